import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as Y from 'yjs';
import type { MeterReading } from '../host/resource-meter.ts';
import { BatchedReads } from '../clients/batched-reads.ts';
import { closeAll, connectAll, keepAlive } from '../clients/client-pool.ts';
import { DeliveryTracker, LatencyRecorder } from '../clients/delivery-tracker.ts';
import { LoadClient } from '../clients/load-client.ts';
import { pace } from '../clients/pacer.ts';
import { SendLog } from '../clients/send-log.ts';
import { TokenWriter } from '../clients/token-writer.ts';
import { type LatencySummary, summarize } from '../report/stats.ts';
import { type Servers, asDeployment } from '../targets/deployment.ts';

/** How late a counting receiver may read: long enough to batch a server's writes, short next to any window. */
const LEAN_READ_EVERY_MS = 25;

export interface RoomPlan {
  readonly room: string;
  readonly clients: number;
  /** Clients that move a token (the first ones); capped at `clients`. */
  readonly writers: number;
  /** Receivers that decode updates into a Y.Doc to measure latency and loss; the rest only count. */
  readonly samples: number;
  /**
   * Counting clients read their sockets with a FrameCounter instead of ws
   * (see LoadClient `lean`), in bursts every LEAN_READ_EVERY_MS (BatchedReads).
   */
  readonly lean?: boolean;
}

export interface WindowOptions {
  /** Moves per second across all writers of the active rooms, spread round-robin. */
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** Moves sent during the first part of the window count for loss but not for latency. */
  readonly warmupMs: number;
  /** How long to wait after the last send for stragglers before counting them lost. */
  readonly drainMs: number;
}

export interface WindowResult {
  readonly sent: number;
  readonly sendRate: number;
  /** Moves delivered per second; every connected client of a room, the sender included, should get each. */
  readonly deliveredPerSecond: number;
  /** Share of moves that sampled receivers never saw. */
  readonly loss: number;
  readonly latency: LatencySummary;
  readonly updateFramesInPerSecond: number;
  readonly bytesInPerSecond: number;
  readonly unexpectedCloses: number;
  readonly serverCpuUsPerDelivery: number;
  /** Moves delivered in the window: sent × connected clients × (1 − loss). */
  readonly deliveries: number;
  /** Server CPU as a share of one core over the window. */
  readonly serverCpuShare: number;
  readonly meter: MeterReading;
}

interface Room {
  readonly plan: RoomPlan;
  readonly clients: LoadClient[];
  readonly writers: TokenWriter[];
  readonly writerClients: LoadClient[];
  readonly trackers: DeliveryTracker[];
  active: boolean;
}

/**
 * Rooms full of clients: in each, the first clients move their tokens, a few
 * decode everything, the rest just count frames. Kept open across windows so
 * that a rate sweep measures the same rooms at rising load, and rooms can be
 * left one by one to watch a server forget them.
 */
export class RoomFleet {
  private readonly log = new SendLog();
  private readonly recorder = new LatencyRecorder();
  private readonly rooms: Room[] = [];
  private stopKeepalive: () => void = () => {};
  private readonly batchedReads = new BatchedReads(LEAN_READ_EVERY_MS);

  private readonly target: ReturnType<typeof asDeployment>;

  /** Over several processes, each room's clients connect to them in turn (writers and sampled receivers alike). */
  private constructor(servers: Servers) {
    this.target = asDeployment(servers);
  }

  static async open(target: Servers, plans: readonly RoomPlan[], concurrency = 64): Promise<RoomFleet> {
    const fleet = new RoomFleet(target);
    for (const plan of plans) fleet.rooms.push(fleet.build(plan));
    await fleet.join(concurrency);
    return fleet;
  }

  private build(plan: RoomPlan): Room {
    const writerCount = Math.min(plan.writers, plan.clients);
    const writers = Array.from({ length: writerCount }, () => new TokenWriter(this.log));
    const room: Room = { plan, clients: [], writers, writerClients: [], trackers: [], active: true };
    // Prefer pure readers as samples; small rooms sample writers as well.
    const sampled = new Set<number>();
    for (let i = plan.clients - 1; i >= 0 && sampled.size < plan.samples; i--) sampled.add(i);
    for (let i = 0; i < plan.clients; i++) {
      const writer = writers[i];
      const server = this.target.process(i);
      let doc: Y.Doc | undefined;
      if (sampled.has(i)) {
        doc = writer?.doc ?? new Y.Doc();
        const others = writers.filter((w) => w !== writer).map((w) => w.id);
        room.trackers.push(new DeliveryTracker(doc, this.log, this.recorder, others));
      }
      const client = new LoadClient({
        wire: this.target.spec.wire,
        baseUrl: () => server.url,
        room: plan.room,
        ...(doc ? { doc } : {}),
        ...(plan.lean ? { lean: true, batchedReads: this.batchedReads } : {}),
      });
      room.clients.push(client);
      if (writer) room.writerClients.push(client);
    }
    return room;
  }

  private async join(concurrency: number): Promise<void> {
    const clients = this.rooms.flatMap((room) => room.clients);
    const outcome = await connectAll(clients, concurrency);
    if (outcome.failed > 0) {
      throw new Error(`${outcome.failed} of ${clients.length} clients failed to join: ${outcome.firstError}`);
    }
    this.stopKeepalive = keepAlive(() => this.connectedClients());
    for (const room of this.rooms) {
      room.writers.forEach((writer, i) => room.writerClients[i]!.sendUpdate(writer.creation()));
    }
    await this.until(
      () => this.rooms.every((room) => room.trackers.every((t) => t.tokensKnown() >= room.writers.length)),
      30_000,
    );
  }

  private *connectedClients(): Iterable<LoadClient> {
    for (const room of this.rooms) if (room.active) yield* room.clients;
  }

  private async until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (performance.now() > deadline) return false;
      await sleep(20);
    }
    return true;
  }

  get activeRoomCount(): number {
    return this.rooms.filter((room) => room.active).length;
  }

  async runWindow({ ratePerSecond, durationMs, warmupMs, drainMs }: WindowOptions): Promise<WindowResult> {
    const active = this.rooms.filter((room) => room.active);
    const trackers = active.flatMap((room) => room.trackers);
    const senders = active.flatMap((room) => room.writers.map((writer, i) => ({ writer, client: room.writerClients[i]! })));
    const clients = active.flatMap((room) => room.clients);
    const sum = (pick: (client: LoadClient) => number): number => clients.reduce((total, c) => total + pick(c), 0);

    const start = performance.now();
    this.recorder.reset();
    for (const tracker of trackers) tracker.beginWindow(start + warmupMs);
    const sentBefore = active.map((room) => room.writers.reduce((n, w) => n + w.moves, 0));
    const framesBefore = sum((c) => c.updatesIn);
    const bytesBefore = sum((c) => c.bytesIn);
    const closesBefore = sum((c) => c.unexpectedCloses);
    const meter = this.target.meter();

    const sent =
      senders.length === 0
        ? 0
        : await pace({
            ratePerSecond,
            durationMs,
            maxCount: Math.ceil((ratePerSecond * durationMs) / 1000),
            send: (i) => {
              const { writer, client } = senders[i % senders.length]!;
              client.sendUpdate(writer.move());
            },
          });
    const sendMs = performance.now() - start;
    await this.until(() => trackers.every((t) => t.caughtUp()), drainMs);
    const reading = meter.stop();

    let expected = 0;
    let delivered = 0;
    for (const tracker of trackers) {
      const count = tracker.count();
      expected += count.expected;
      delivered += count.delivered;
    }
    const loss = expected > 0 ? 1 - delivered / expected : Number.NaN;
    let deliveries = 0;
    active.forEach((room, r) => {
      const roomSent = room.writers.reduce((n, w) => n + w.moves, 0) - sentBefore[r]!;
      deliveries += roomSent * room.clients.filter((c) => c.state === 'synced').length;
    });
    deliveries *= 1 - (Number.isNaN(loss) ? 0 : loss);
    const seconds = reading.wallMs / 1000;
    return {
      sent,
      sendRate: (sent * 1000) / sendMs,
      deliveredPerSecond: deliveries / (sendMs / 1000),
      loss,
      latency: summarize(this.recorder.values()),
      updateFramesInPerSecond: (sum((c) => c.updatesIn) - framesBefore) / seconds,
      bytesInPerSecond: (sum((c) => c.bytesIn) - bytesBefore) / seconds,
      unexpectedCloses: sum((c) => c.unexpectedCloses) - closesBefore,
      serverCpuUsPerDelivery: deliveries > 0 ? (reading.serverCpuMs * 1000) / deliveries : Number.NaN,
      deliveries,
      serverCpuShare: reading.serverCpuMs / reading.wallMs,
      meter: reading,
    };
  }

  /** Disconnects every client of the rooms not kept, as players leaving their tables. */
  async leaveRooms(keep: (room: string, index: number) => boolean): Promise<number> {
    const leaving = this.rooms.filter((room, i) => room.active && !keep(room.plan.room, i));
    for (const room of leaving) room.active = false;
    await closeAll(leaving.flatMap((room) => room.clients));
    return leaving.length;
  }

  async close(): Promise<void> {
    this.stopKeepalive();
    this.batchedReads.close();
    await closeAll(this.rooms.flatMap((room) => room.clients));
  }
}
