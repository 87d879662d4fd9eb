import { InProcessBus, InProcessInbox, InProcessLease, type HolderInbox, type RoomBus, type ServerOptions, type SessionLease } from '@dungeon-lab/server';
import { createLevelStore } from '@dungeon-lab/store-level';
import type { Logger } from 'pino';
import type { AppConfig } from './config.ts';

/** The parts a server process is built from ([MP3] in docs/architecture.md). */
export interface Backends {
  readonly store: ServerOptions['store'];
  readonly bus: RoomBus;
  readonly lease: SessionLease;
  readonly inbox: HolderInbox;
  /** Closes them all; after the server has closed. */
  close(): Promise<void>;
}

/**
 * The backends of a process: the MongoDB store when `MONGO_URL` is set, else
 * the embedded LevelDB store; the in-process bus, lease and intent inbox.
 * The configuration refuses `REDIS_URL` until this server has its bus,
 * lease and inbox.
 */
export async function openBackends(config: AppConfig, logger: Logger): Promise<Backends> {
  const store = config.mongo === null ? await createLevelStore({ dataDir: config.dataDir, sync: config.syncWrites }) : await openMongoStore(config.mongo);
  const bus = new InProcessBus({
    onError: (err, message) => logger.error({ kind: message.kind, err: String(err), stack: (err as Error | null)?.stack }, 'room bus subscriber failed'),
  });
  const lease = new InProcessLease();
  const inbox = new InProcessInbox();
  return {
    store,
    bus,
    lease,
    inbox,
    async close() {
      await inbox.close();
      await lease.close();
      await bus.close();
      await store.close();
    },
  };
}

/**
 * Loaded only when asked for: the driver's BSON serializer allocates a 17 MB
 * buffer the moment it is imported, which a server on the embedded store
 * should not carry.
 */
async function openMongoStore(mongo: NonNullable<AppConfig['mongo']>): Promise<ServerOptions['store']> {
  const { createMongoStore } = await import('@dungeon-lab/store-mongo');
  return createMongoStore({ url: mongo.url, dbName: mongo.dbName });
}
