/**
 * The MongoDB backend: one database holds every document, event log,
 * session, audit log, client-id lease and asset, and any number of server
 * processes may share it. Schema and guarantees are in docs/storage.md
 * ([MO1]..[MO8]).
 */
import type { CommandTimer, Store } from '@dungeon-lab/store';
import { checkName } from '@dungeon-lab/store/input';
import { type Db, MongoClient } from 'mongodb';
import { MongoAssets } from './mongo-assets.ts';
import { MongoAudit } from './mongo-audit.ts';
import { MongoClientIds } from './mongo-client-ids.ts';
import { MongoContext } from './mongo-context.ts';
import { collectionsOf, COMMITTED, createCollections, createIndexes, DURABLE, storeError } from './mongo-db.ts';
import { MongoDocs } from './mongo-docs.ts';
import { MongoEventLog } from './mongo-event-log.ts';
import { MongoSessions } from './mongo-sessions.ts';

export type MongoStoreOptions = (
  | {
      /** A connection string (`mongodb://…`); the store opens its own client and closes it on `close()`. */
      readonly url: string;
      readonly client?: undefined;
    }
  | {
      /** A client the caller owns (connected or not); `close()` leaves it open. */
      readonly client: MongoClient;
      readonly url?: undefined;
    }
) & {
  /** The database the store keeps everything in; its collections and indexes are created at open. */
  readonly dbName: string;
  /** How long a call waits for a reachable server before it rejects as unavailable (default 5000). */
  readonly serverSelectionTimeoutMS?: number;
  /**
   * How long a connection may stay silent while a reply is owed before the
   * call rejects as unavailable (default 20000, [MO9]): a server that stops
   * answering on an open connection (hung, or a link gone silent) would
   * otherwise hold the call — and a document's writes behind it — forever.
   */
  readonly socketTimeoutMS?: number;
  /**
   * Hears how long each command took (the server's `commandTimer(registry, 'mongo')`), from the driver's
   * command monitoring: on a client the store opens it is switched on; a caller's own client must have
   * `monitorCommands: true`. Heartbeats are not commands and are not timed.
   */
  readonly timer?: CommandTimer;
};

/** The server is no replica set: transactions, and so several rules, cannot hold there ([MO8]). */
export class MongoDeploymentError extends Error {
  override readonly name = 'MongoDeploymentError';
}

export async function createMongoStore(options: MongoStoreOptions): Promise<Store> {
  const dbName = checkName(options.dbName, 'database name');
  if (dbName === '') throw new TypeError('database name must not be empty');
  const owned = options.client === undefined;
  const client =
    options.client ??
    new MongoClient(options.url, {
      writeConcern: DURABLE,
      readConcern: COMMITTED,
      retryWrites: true,
      retryReads: true,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
      socketTimeoutMS: options.socketTimeoutMS ?? 20_000,
      monitorCommands: options.timer !== undefined,
    });
  if (options.timer !== undefined) timeCommands(client, options.timer);
  try {
    // Every call goes through this Db, so the durable write concern holds on a client the caller owns too ([MO3]).
    const db = client.db(dbName, { writeConcern: DURABLE, readConcern: COMMITTED });
    await requireReplicaSet(db);
    const c = collectionsOf(db);
    await createCollections(db, c);
    await createIndexes(c);
    return assemble(new MongoContext({ client, c }, `database ${JSON.stringify(dbName)}`), db, owned ? client : undefined);
  } catch (err) {
    if (owned) await client.close();
    throw storeError(err);
  }
}

function timeCommands(client: MongoClient, timer: CommandTimer): void {
  // The driver reports durations in milliseconds.
  client.on('commandSucceeded', (e) => timer.observe(e.commandName, e.duration / 1000, true));
  client.on('commandFailed', (e) => timer.observe(e.commandName, e.duration / 1000, false));
}

async function requireReplicaSet(db: Db): Promise<void> {
  const hello = await db.admin().command({ hello: 1 });
  // A mongos answers "isdbgrid": a sharded cluster runs transactions too.
  if (typeof hello.setName === 'string' || hello.msg === 'isdbgrid') return;
  throw new MongoDeploymentError(
    'mongo store: the server is a standalone mongod; the store needs a replica set (a single-node one is enough: mongod --replSet rs0, then rs.initiate())',
  );
}

function assemble(ctx: MongoContext, db: Db, ownedClient: MongoClient | undefined): Store {
  let closing: Promise<void> | undefined;
  const lifecycle = {
    ping: () => ctx.run(async () => void (await db.command({ ping: 1 }))),
    close: () => {
      ctx.close();
      // Calls still in flight on an owned client reject as unavailable when it closes.
      closing ??= ownedClient === undefined ? Promise.resolve() : ownedClient.close();
      return closing;
    },
  };
  return Object.assign(
    lifecycle,
    methodsOf(new MongoDocs(ctx)),
    methodsOf(new MongoEventLog(ctx)),
    methodsOf(new MongoSessions(ctx)),
    methodsOf(new MongoAudit(ctx)),
    methodsOf(new MongoClientIds(ctx)),
    methodsOf(new MongoAssets(ctx)),
  );
}

/** The part's methods, bound, as plain properties: the parts together are the Store. */
function methodsOf<T extends object>(part: T): T {
  const methods: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(part))) {
    const value: unknown = Reflect.get(part, name);
    if (name !== 'constructor' && typeof value === 'function') methods[name] = value.bind(part);
  }
  return methods as T;
}
