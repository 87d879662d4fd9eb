/**
 * A TCP proxy standing for the network link between two real processes (a
 * client and a server, a server and Redis or MongoDB), with the faults a
 * network has, switchable while connections run:
 *
 * - `shape`: per direction, a delay and a bandwidth cap;
 * - `partition` / `heal`: nothing passes either way, sockets stay open (the
 *   bytes wait, as TCP retransmits them, and flow on heal); a connection
 *   made meanwhile reaches the target only on heal;
 * - `drop`: a seeded share of the connections reset (RST both ends);
 * - `halfOpen`: every connection open now goes dead without either end being
 *   told — what one writes vanishes, nothing arrives, no FIN or RST ever
 *   comes (a peer that lost power, a NAT that forgot the flow). Only a
 *   timeout of the endpoint's own notices it. Connections made after it work.
 *
 * Real sockets both sides; the bytes pass unchanged and in order.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** How one direction of the link behaves. */
export interface LinkShape {
  /** Added to every chunk's passage, in ms. */
  readonly delayMs: number;
  /** Bytes per second; Infinity: no cap. */
  readonly bytesPerSecond: number;
}

/** `up`: toward the target (client to server); `down`: toward the connecting side. */
export type Direction = 'up' | 'down';

export interface FaultProxyOptions {
  /** Where the proxy forwards to; `retarget` changes it for new connections. */
  readonly target: Endpoint;
  readonly up?: Partial<LinkShape>;
  readonly down?: Partial<LinkShape>;
}

export interface FaultProxy {
  /** `host:port` clients connect to instead of the target. */
  readonly address: string;
  readonly port: number;
  /** Bytes passed toward the connecting side, all connections together. */
  bytesDown(): number;
  /** Connections open through the proxy now (half-open ones included). */
  connections(): number;
  /** Changes one direction's delay and cap (omitted fields keep their value), for open connections too. */
  shape(direction: Direction, shape: Partial<LinkShape>): void;
  /** Stops every byte both ways until `heal`; the sockets stay open. */
  partition(): void;
  /** Ends a partition: what waited flows, pending connections reach the target. */
  heal(): void;
  readonly partitioned: boolean;
  /** Resets each open connection with probability `share`, drawn from `random`; answers how many. */
  drop(share: number, random: () => number): number;
  /** Every connection open now goes half-open (see the module comment); answers how many. */
  halfOpen(): number;
  /** New connections go to `target` (a load balancer sending clients elsewhere). */
  retarget(target: Endpoint): void;
  close(): Promise<void>;
}

const NO_SHAPE: LinkShape = { delayMs: 0, bytesPerSecond: Infinity };
/** Bytes queued in one direction before the proxy stops reading: TCP's backpressure reaches the sender. */
const HIGH_WATER = 1024 * 1024;

interface Queued {
  readonly chunk: Buffer;
  readonly at: number;
}

/** One direction of one connection: chunks wait for their delay, the cap and the partition to pass. */
class Pipe {
  readonly #queue: Queued[] = [];
  #queuedBytes = 0;
  #nextFree = 0;
  #timer: NodeJS.Timeout | null = null;
  #waitingDrain = false;
  #ended = false;
  dead = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly shape: () => LinkShape,
    private readonly blocked: () => boolean,
    private readonly count: (n: number) => void,
  ) {
    from.on('data', (chunk: Buffer) => {
      if (this.dead) return;
      const last = this.#queue.at(-1)?.at ?? 0;
      this.#queue.push({ chunk, at: Math.max(last, Date.now() + this.shape().delayMs) });
      this.#queuedBytes += chunk.length;
      if (this.#queuedBytes > HIGH_WATER) from.pause();
      this.pump();
    });
    from.on('end', () => {
      this.#ended = true;
      this.pump();
    });
  }

  /** Passes what may pass now and arms a timer for the rest. */
  pump(): void {
    if (this.dead || this.#waitingDrain || this.blocked()) return;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const { bytesPerSecond } = this.shape();
    while (this.#queue.length > 0) {
      const now = Date.now();
      const head = this.#queue[0]!;
      const readyAt = Math.max(head.at, this.#nextFree);
      if (readyAt > now) {
        this.#timer = setTimeout(() => this.pump(), readyAt - now);
        return;
      }
      this.#queue.shift();
      this.#queuedBytes -= head.chunk.length;
      if (this.#queuedBytes <= HIGH_WATER / 2) this.from.resume();
      this.count(head.chunk.length);
      if (Number.isFinite(bytesPerSecond)) this.#nextFree = Math.max(this.#nextFree, now) + (head.chunk.length * 1000) / bytesPerSecond;
      if (this.to.destroyed) return;
      if (!this.to.write(head.chunk)) {
        this.#waitingDrain = true;
        this.to.once('drain', () => {
          this.#waitingDrain = false;
          this.pump();
        });
        return;
      }
    }
    if (this.#ended && !this.to.destroyed) this.to.end();
  }

  /** Half-open: everything queued and everything to come vanishes; the end never passes. */
  kill(): void {
    this.dead = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    this.from.resume();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
  }
}

interface Connection {
  readonly client: Socket;
  upstream: Socket | null;
  readonly pipes: Pipe[];
  halfOpen: boolean;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const shapes: Record<Direction, LinkShape> = { up: { ...NO_SHAPE, ...options.up }, down: { ...NO_SHAPE, ...options.down } };
  let target = options.target;
  let partitioned = false;
  let down = 0;
  const open = new Set<Connection>();
  const waiting = new Set<Connection>();

  const destroy = (c: Connection): void => {
    for (const p of c.pipes) p.stop();
    c.client.destroy();
    c.upstream?.destroy();
    open.delete(c);
    waiting.delete(c);
  };
  /** One end gone: a working link tells the other (a reset is seen at both ends); a half-open one never does. */
  const gone = (c: Connection): void => {
    if (!c.halfOpen) destroy(c);
    else if (c.client.destroyed && (c.upstream?.destroyed ?? true)) open.delete(c);
  };

  const wire = (c: Connection): void => {
    const upstream = connect({ port: target.port, host: target.host, allowHalfOpen: true });
    c.upstream = upstream;
    upstream.on('error', () => gone(c));
    upstream.on('close', () => gone(c));
    c.pipes.push(
      new Pipe(c.client, upstream, () => shapes.up, () => partitioned, () => {}),
      new Pipe(upstream, c.client, () => shapes.down, () => partitioned, (n) => (down += n)),
    );
    c.client.resume();
  };

  // Half-closes pass as they came: one end's FIN is forwarded once its bytes are, and the proxy never answers one itself.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const c: Connection = { client, upstream: null, pipes: [], halfOpen: false };
    open.add(c);
    client.on('error', () => gone(c));
    client.on('close', () => gone(c));
    if (partitioned) {
      // The SYN would not get through: the client waits, its first bytes unread until heal.
      client.pause();
      waiting.add(c);
      return;
    }
    wire(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    port,
    bytesDown: () => down,
    connections: () => open.size,
    get partitioned() {
      return partitioned;
    },
    shape(direction, shape) {
      shapes[direction] = { ...shapes[direction], ...shape };
      for (const c of open) for (const p of c.pipes) p.pump();
    },
    partition() {
      partitioned = true;
    },
    heal() {
      partitioned = false;
      for (const c of waiting) {
        waiting.delete(c);
        if (!c.client.destroyed) wire(c);
      }
      for (const c of open) for (const p of c.pipes) p.pump();
    },
    drop(share, random) {
      let dropped = 0;
      for (const c of [...open]) {
        if (c.halfOpen || random() >= share) continue;
        dropped++;
        for (const p of c.pipes) p.stop();
        c.client.resetAndDestroy();
        c.upstream?.resetAndDestroy();
        open.delete(c);
        waiting.delete(c);
      }
      return dropped;
    },
    halfOpen() {
      let count = 0;
      for (const c of open) {
        if (c.halfOpen) continue;
        c.halfOpen = true;
        count++;
        waiting.delete(c);
        // Bytes still read from either end are discarded; neither end's FIN passes.
        for (const p of c.pipes) p.kill();
        // A connection still waiting for a heal has no pipes yet: its client's bytes go nowhere as well.
        if (c.upstream === null) c.client.on('data', () => {}).resume();
      }
      return count;
    },
    retarget(next) {
      target = next;
    },
    async close() {
      for (const c of [...open]) {
        c.halfOpen = false;
        destroy(c);
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
