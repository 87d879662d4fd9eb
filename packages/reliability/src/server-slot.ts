import {
  type DungeonLabServer,
  InboxDesk,
  InProcessBus,
  InProcessHub,
  InProcessInbox,
  InProcessLease,
  LeaseTable,
  RATE_LIMITS_OFF,
  createServer,
} from '@dungeon-lab/server';
import { MemoryData, createMemoryStore } from '@dungeon-lab/store/memory';
import { Fence, fencedBus, fencedInbox, fencedLease, fencedStore } from './fence.ts';
import { fuzzSystem } from './fuzz-system.ts';
import type { SimNetwork } from './sim-network.ts';

/** What the servers of one run share, as separate processes share Redis and the database. */
export class SharedServices {
  readonly data = new MemoryData();
  /** Replays like the Redis bus ([BUS8]): a room loading on one server gets what another published meanwhile. */
  readonly hub = new InProcessHub({ historyMs: 60_000 });
  readonly leases = new LeaseTable();
  readonly desk = new InboxDesk();
}

/** Unrenewed leases of a crashed server expire after this long; another server then takes its sessions over ([SL5]). */
export const LEASE_TTL_MS = 600;
/** A forward unanswered this long (its holder died) fails, and the forwarder tries to take the session over ([IN3]). */
export const INBOX_TIMEOUT_MS = 1_500;

interface Running {
  readonly server: DungeonLabServer;
  readonly fence: Fence;
  readonly close: () => Promise<void>;
}

/**
 * One server "process" at a fixed host name: started on the shared store and
 * services, crashed (fenced, connections cut, nothing flushed) and restarted
 * as a new server on the same data.
 */
export class ServerSlot {
  readonly host: string;
  readonly #network: SimNetwork;
  readonly #shared: SharedServices;
  #running: Running | null = null;
  #generation = 0;

  constructor(host: string, network: SimNetwork, shared: SharedServices) {
    this.host = host;
    this.#network = network;
    this.#shared = shared;
  }

  get up(): boolean {
    return this.#running !== null;
  }

  start(): void {
    if (this.#running) return;
    const fence = new Fence();
    const process = `${this.host}#${++this.#generation}`;
    const store = createMemoryStore({ data: this.#shared.data });
    const bus = new InProcessBus({ hub: this.#shared.hub, process });
    const lease = new InProcessLease({ table: this.#shared.leases, ttlMs: LEASE_TTL_MS });
    const inbox = new InProcessInbox({ desk: this.#shared.desk, timeoutMs: INBOX_TIMEOUT_MS });
    const server = createServer({
      store: fencedStore(store, fence),
      bus: fencedBus(bus, fence),
      lease: fencedLease(lease, fence),
      inbox: fencedInbox(inbox, fence),
      plugins: [fuzzSystem],
      limits: RATE_LIMITS_OFF,
      eventLog: { rateLimit: { burst: Infinity, perSecond: Infinity } },
      checksumIntervalMs: 500,
      writeRetryMs: 50,
      closeGraceMs: 200,
    });
    this.#running = {
      server,
      fence,
      close: async () => {
        await server.close();
        await Promise.all([bus.close(), lease.close(), inbox.close()]);
      },
    };
    this.#network.setHost(this.host, (socket) => server.httpServer.emit('connection', socket));
  }

  /** The process dies: nothing it holds is flushed, its connections reset, its store and peers never hear from it again. */
  crash(): void {
    const running = this.#running;
    if (!running) return;
    this.#running = null;
    running.fence.trip();
    this.#network.setHost(this.host, null);
    this.#network.cutHost(this.host);
    // Only to end its timers: fenced, its shutdown writes nothing, releases nothing and tells no peer (its flushes
    // hang until the shutdown deadline). Its bus, lease and inbox are left as a dead process leaves them.
    void running.server.close();
  }

  /** A clean shutdown: sockets closed, rooms flushed, leases released. */
  async stop(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = null;
    this.#network.setHost(this.host, null);
    await running.close();
    this.#network.cutHost(this.host);
  }
}
