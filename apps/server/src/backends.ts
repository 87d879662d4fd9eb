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
 * The backends of one process: the embedded LevelDB store, the in-process bus,
 * lease and intent inbox. The configuration refuses the others (`MONGO_URL`, `REDIS_URL`)
 * until this server has them.
 */
export async function openBackends(config: AppConfig, logger: Logger): Promise<Backends> {
  const store = await createLevelStore({ dataDir: config.dataDir, sync: config.syncWrites });
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
