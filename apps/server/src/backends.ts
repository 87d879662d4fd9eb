import { connectRedis, RedisBus, RedisInbox, RedisLease } from '@dungeon-lab/redis';
import {
  type BackendProbe,
  commandTimer,
  InProcessBus,
  InProcessInbox,
  InProcessLease,
  type HolderInbox,
  type Registry,
  type RoomBus,
  type ServerOptions,
  type SessionLease,
} from '@dungeon-lab/server';
import { createLevelStore } from '@dungeon-lab/store-level';
import type { Logger } from 'pino';
import type { AppConfig } from './config.ts';

/** The parts a server process is built from ([MP3] in docs/architecture.md). */
export interface Backends {
  readonly store: ServerOptions['store'];
  readonly bus: RoomBus;
  readonly lease: SessionLease;
  readonly inbox: HolderInbox;
  /** What `dungeonlab_backend_up` reports on: the store (`mongo` or `level`), and `redis` when there is one. */
  readonly probes: readonly BackendProbe[];
  /** Closes them all; after the server has closed. */
  close(): Promise<void>;
}

interface Coordination {
  readonly bus: RoomBus;
  readonly lease: SessionLease;
  readonly inbox: HolderInbox;
  readonly probes: readonly BackendProbe[];
  close(): Promise<void>;
}

/**
 * A bus, a lease and an inbox, closed inbox first (its waiting forwards
 * fail), then the lease (it releases through its connection before the bus
 * leaves), then `after`.
 */
function coordination(bus: RoomBus, lease: SessionLease, inbox: HolderInbox, probes: readonly BackendProbe[] = [], after: () => Promise<void> = async () => {}): Coordination {
  return {
    bus,
    lease,
    inbox,
    probes,
    async close() {
      await inbox.close();
      await lease.close();
      await bus.close();
      await after();
    },
  };
}

/** One process: the in-process bus, lease and inbox. */
function inProcess(logger: Logger): Coordination {
  const bus = new InProcessBus({
    onError: (err, message) => logger.error({ kind: message.kind, err: String(err), stack: (err as Error | null)?.stack }, 'room bus subscriber failed'),
  });
  return coordination(bus, new InProcessLease(), new InProcessInbox());
}

/** Several processes on one Redis (`REDIS_URL`): the Redis bus, lease and inbox on one client of this process, their commands timed into `registry`. */
async function onRedis(url: string, logger: Logger, registry: Registry): Promise<Coordination> {
  const timer = commandTimer(registry, 'redis');
  const client = await connectRedis(url, { name: 'dl-server', onError: (err) => logger.error({ err: String(err) }, 'redis connection error') });
  const bus = await RedisBus.connect({
    client,
    timer,
    onError: (err, message) => logger.error({ kind: message?.kind ?? null, err: String(err), cause: String((err as Error | null)?.cause ?? '') }, 'room bus failure'),
  });
  const lease = new RedisLease({ client, timer });
  // A forward waits no longer than a dead holder's lease lasts: then this process takes the session over itself ([EL19]).
  const inbox = await RedisInbox.connect({ client, timer, process: bus.process, timeoutMs: lease.ttlMs, onError: (err) => logger.error({ err: String(err) }, 'holder inbox failure') });
  logger.info({ process: bus.process }, 'room bus, session lease and holder inbox on Redis');
  const redis: BackendProbe = { name: 'redis', ping: async () => void (await client.ping()) };
  return coordination(bus, lease, inbox, [redis], () => client.close());
}

/**
 * Loaded only when asked for: the driver's BSON serializer allocates a 17 MB
 * buffer the moment it is imported, which a server on the embedded store
 * should not carry.
 */
async function openMongoStore(mongo: NonNullable<AppConfig['mongo']>, registry: Registry): Promise<ServerOptions['store']> {
  const { createMongoStore } = await import('@dungeon-lab/store-mongo');
  return createMongoStore({ url: mongo.url, dbName: mongo.dbName, timer: commandTimer(registry, 'mongo') });
}

/**
 * The backends of a process: the MongoDB store when `MONGO_URL` is set, else
 * the embedded LevelDB store; the Redis bus, lease and inbox when
 * `REDIS_URL` is set, else the in-process ones.
 */
export async function openBackends(config: AppConfig, logger: Logger, registry: Registry): Promise<Backends> {
  const store = config.mongo === null ? await createLevelStore({ dataDir: config.dataDir, sync: config.syncWrites }) : await openMongoStore(config.mongo, registry);
  let parts: Coordination;
  try {
    parts = config.redisUrl === null ? inProcess(logger) : await onRedis(config.redisUrl, logger, registry);
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    store,
    bus: parts.bus,
    lease: parts.lease,
    inbox: parts.inbox,
    probes: [{ name: config.mongo === null ? 'level' : 'mongo', ping: () => store.ping() }, ...parts.probes],
    async close() {
      await parts.close();
      await store.close();
    },
  };
}
