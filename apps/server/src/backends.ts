import { connectRedis, RedisBus, RedisInbox, RedisLease } from '@dungeon-lab/redis';
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

interface Coordination {
  readonly bus: RoomBus;
  readonly lease: SessionLease;
  readonly inbox: HolderInbox;
  close(): Promise<void>;
}

/**
 * A bus, a lease and an inbox, closed inbox first (its waiting forwards
 * fail), then the lease (it releases through its connection before the bus
 * leaves), then `after`.
 */
function coordination(bus: RoomBus, lease: SessionLease, inbox: HolderInbox, after: () => Promise<void> = async () => {}): Coordination {
  return {
    bus,
    lease,
    inbox,
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

/** Several processes on one Redis (`REDIS_URL`): the Redis bus, lease and inbox on one client of this process. */
async function onRedis(url: string, logger: Logger): Promise<Coordination> {
  const client = await connectRedis(url, { name: 'dl-server', onError: (err) => logger.error({ err: String(err) }, 'redis connection error') });
  const bus = await RedisBus.connect({
    client,
    onError: (err, message) => logger.error({ kind: message?.kind ?? null, err: String(err), cause: String((err as Error | null)?.cause ?? '') }, 'room bus failure'),
  });
  const inbox = await RedisInbox.connect({ client, process: bus.process, onError: (err) => logger.error({ err: String(err) }, 'intent inbox failure') });
  logger.info({ process: bus.process }, 'room bus, session lease and intent inbox on Redis');
  return coordination(bus, new RedisLease({ client }), inbox, () => client.close());
}

/**
 * The backends of one process: the embedded LevelDB store, and the Redis
 * bus, lease and inbox when `REDIS_URL` is set, the in-process ones otherwise. The
 * configuration refuses `MONGO_URL` until this server has that store.
 */
export async function openBackends(config: AppConfig, logger: Logger): Promise<Backends> {
  const store = await createLevelStore({ dataDir: config.dataDir, sync: config.syncWrites });
  let parts: Coordination;
  try {
    parts = config.redisUrl === null ? inProcess(logger) : await onRedis(config.redisUrl, logger);
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    store,
    bus: parts.bus,
    lease: parts.lease,
    inbox: parts.inbox,
    async close() {
      await parts.close();
      await store.close();
    },
  };
}
