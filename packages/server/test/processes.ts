/**
 * Several servers serving the same sessions, as several processes will
 * ([MP1]..[MP3] in docs/architecture.md): one LevelDB store, one in-process
 * bus hub, one lease table, real sockets on each.
 */
import type { Store } from '@dungeon-lab/store';
import { createLevelStore } from '@dungeon-lab/store-level';
import { afterEach } from 'vitest';
import { InProcessBus, InProcessHub } from '../src/bus/in-process-bus.ts';
import type { RoomBus } from '../src/bus/room-bus.ts';
import { InboxDesk, InProcessInbox } from '../src/inbox/in-process-inbox.ts';
import { InProcessLease, type InProcessLeaseOptions, LeaseTable } from '../src/lease/in-process-lease.ts';
import { type DungeonLabServer, RATE_LIMITS_OFF, type ServerOptions, createServer } from '../src/index.ts';
import { withAppendCounts } from './faulty-store.ts';
import { tempDir } from './helpers.ts';
import { TEST_AUTH, registerServerStore } from './test-identity.ts';
import { testsys } from './testsys.ts';

export interface Process {
  readonly server: DungeonLabServer;
  readonly url: string;
  readonly wsUrl: string;
  /** The store every process shares. */
  readonly store: Store;
  /** Update rows this process appended, per document. */
  appended(room: string): number;
  /** While true, this process's document writes fail: its store is out of reach. */
  appendsFail: boolean;
  /** While set, this process's document writes wait for it before they reach the store. */
  appendsWait: Promise<void> | null;
  /** While set, this process's claims on a session's log wait for it before they reach the store. */
  claimsWait: Promise<void> | null;
  /** Claims this process asked the store for. */
  readonly claimsAsked: number;
}

export interface ProcessSetup {
  /** The bus process `i` uses, made from its own on the shared hub. */
  readonly bus?: (bus: RoomBus, i: number) => RoomBus;
  /** Options of process `i` beyond the shared ones. */
  readonly options?: (i: number) => Partial<ServerOptions>;
  /** The lease of process `i` (its ttl, its clock) beyond the shared table; held until released by default. */
  readonly lease?: (i: number) => Omit<InProcessLeaseOptions, 'table'>;
}

/** Run last to first after each test. */
export const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export async function startProcesses(count: number, setup: ProcessSetup = {}): Promise<Process[]> {
  const dir = await tempDir();
  cleanups.push(() => dir.remove());
  const store = await createLevelStore({ dataDir: dir.path });
  cleanups.push(() => store.close());
  const hub = new InProcessHub();
  const leases = new LeaseTable();
  const desk = new InboxDesk();
  const processes: Process[] = [];
  for (let i = 0; i < count; i++) {
    const counted = withAppendCounts(store);
    const own = new InProcessBus({ hub, process: `p${i}` });
    const bus = setup.bus?.(own, i) ?? own;
    const lease = new InProcessLease({ ...setup.lease?.(i), table: leases });
    const inbox = new InProcessInbox({ desk });
    const server = createServer({
      auth: TEST_AUTH,
      openRooms: true,
      limits: RATE_LIMITS_OFF,
      checksumIntervalMs: 0,
      ...setup.options?.(i),
      store: counted,
      bus,
      lease,
      inbox,
      plugins: [testsys],
    });
    await server.listen(0, '127.0.0.1');
    cleanups.push(registerServerStore(server.url, store));
    cleanups.push(async () => {
      await server.close();
      await bus.close();
      await lease.close();
      await inbox.close();
    });
    const process: Process = {
      server,
      url: server.url,
      wsUrl: server.url.replace(/^http/, 'ws'),
      store,
      appended: (room) => counted.appended(room),
      get appendsFail() {
        return counted.appendsFail;
      },
      set appendsFail(fail: boolean) {
        counted.appendsFail = fail;
      },
      get appendsWait() {
        return counted.appendsWait;
      },
      set appendsWait(wait: Promise<void> | null) {
        counted.appendsWait = wait;
      },
      get claimsWait() {
        return counted.claimsWait;
      },
      set claimsWait(wait: Promise<void> | null) {
        counted.claimsWait = wait;
      },
      get claimsAsked() {
        return counted.claimsAsked;
      },
    };
    processes.push(process);
  }
  return processes;
}
