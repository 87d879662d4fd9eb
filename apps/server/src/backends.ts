import { closeRedis, connectRedis, RedisBus, RedisInbox, RedisLease, type RedisConnection } from '@dungeon-lab/redis';
import {
  commandTimer,
  InProcessBus,
  InProcessInbox,
  InProcessLease,
  type HolderInbox,
  type ReadinessCheck,
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
  /** What `/readyz` asks of them ([OPS2]), and what `dungeonlab_backend_up` reports on: `store` or `mongo`, and `redis` when configured. */
  readonly readiness: readonly ReadinessCheck[];
  /** Closes them all; after the server has closed. */
  close(): Promise<void>;
}

/** A backend's state while the process starts ([OPS4]): `connecting`, why it cannot be reached, or `ok`. */
export type StartupReport = (service: 'store' | 'mongo' | 'redis', state: string) => void;

interface Coordination {
  readonly bus: RoomBus;
  readonly lease: SessionLease;
  readonly inbox: HolderInbox;
  readonly readiness: readonly ReadinessCheck[];
  close(): Promise<void>;
}

/**
 * A bus, a lease and an inbox, closed inbox first (its waiting forwards
 * fail), then the lease (it releases through its connection before the bus
 * leaves), then `after`.
 */
function coordination(
  bus: RoomBus,
  lease: SessionLease,
  inbox: HolderInbox,
  readiness: readonly ReadinessCheck[] = [],
  after: () => Promise<void> = async () => {},
): Coordination {
  return {
    bus,
    lease,
    inbox,
    readiness,
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

/**
 * Redis answers: the client is connected (while it reconnects, commands
 * would wait in its offline queue rather than fail) and PING comes back.
 */
function redisReadiness(client: RedisConnection): ReadinessCheck {
  return {
    name: 'redis',
    async probe() {
      if (!client.isReady) throw new Error('disconnected; reconnecting');
      await client.ping();
    },
  };
}

/**
 * Several processes on one Redis (`REDIS_URL`): the Redis bus, lease and
 * inbox on one client of this process. An unreachable Redis is waited for:
 * the client retries every second at most, and each failure is logged.
 */
async function onRedis(url: string, logger: Logger, report: StartupReport, registry: Registry): Promise<Coordination> {
  const timer = commandTimer(registry, 'redis');
  let connected = false;
  report('redis', 'connecting');
  const client = await connectRedis(url, {
    name: 'dl-server',
    onError: (err) => {
      if (!connected) report('redis', `unreachable: ${err.message}`);
      logger.error({ err: String(err) }, connected ? 'redis connection error' : 'redis unreachable at start: retrying');
    },
  });
  connected = true;
  const bus = await RedisBus.connect({
    client,
    timer,
    onError: (err, message) => logger.error({ kind: message?.kind ?? null, err: String(err), cause: String((err as Error | null)?.cause ?? '') }, 'room bus failure'),
  });
  const lease = new RedisLease({ client, timer });
  // A forward waits no longer than a dead holder's lease lasts: then this process takes the session over itself ([EL19]).
  const inbox = await RedisInbox.connect({ client, timer, process: bus.process, timeoutMs: lease.ttlMs, onError: (err) => logger.error({ err: String(err) }, 'holder inbox failure') });
  logger.info({ process: bus.process }, 'room bus, session lease and holder inbox on Redis');
  report('redis', 'ok');
  return coordination(bus, lease, inbox, [redisReadiness(client)], () => closeRedis(client));
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

/** Between attempts to open a store that could not be reached: from half a second, doubling, to at most 5 s. */
function retryDelay(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 5000);
}

/**
 * Opens the store, trying again until it opens ([OPS4]): a replica whose
 * MongoDB is not up yet waits for it (unready) instead of exiting into a
 * crash loop. Each failure is one log line.
 */
async function openStore(config: AppConfig, logger: Logger, report: StartupReport, registry: Registry, stopped: () => boolean): Promise<ServerOptions['store']> {
  const service = config.mongo === null ? 'store' : 'mongo';
  for (let attempt = 0; ; attempt++) {
    report(service, 'connecting');
    try {
      const store = config.mongo === null ? await createLevelStore({ dataDir: config.dataDir, sync: config.syncWrites, maxOpenFiles: config.levelMaxOpenFiles }) : await openMongoStore(config.mongo, registry);
      report(service, 'ok');
      return store;
    } catch (err) {
      if (stopped()) throw err;
      const delayMs = retryDelay(attempt);
      report(service, `unreachable: ${(err as Error).message}`);
      logger.error({ service, err: String(err), retryInMs: delayMs }, `${service} cannot be opened at start: retrying`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * The backends of a process: the MongoDB store when `MONGO_URL` is set, else
 * the embedded LevelDB store; the Redis bus, lease and inbox when
 * `REDIS_URL` is set, else the in-process ones, their commands timed into
 * `registry`. Resolves only once all are open, waiting for the unreachable
 * ones; `report` hears how each is doing.
 */
export async function openBackends(
  config: AppConfig,
  logger: Logger,
  report: StartupReport,
  registry: Registry,
  stopped: () => boolean = () => false,
): Promise<Backends> {
  const store = await openStore(config, logger, report, registry, stopped);
  let parts: Coordination;
  try {
    parts = config.redisUrl === null ? inProcess(logger) : await onRedis(config.redisUrl, logger, report, registry);
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    store,
    bus: parts.bus,
    lease: parts.lease,
    inbox: parts.inbox,
    readiness: [{ name: config.mongo === null ? 'store' : 'mongo', probe: () => store.ping() }, ...parts.readiness],
    async close() {
      await parts.close();
      await store.close();
    },
  };
}
