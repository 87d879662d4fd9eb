import { request, type IncomingHttpHeaders } from 'node:http';
import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '@dungeon-lab/client';

/**
 * The network of the sync fuzz: every connection a client opens — its
 * WebSockets and its HTTP requests — is a pair of in-memory byte streams
 * between the client's real `ws`/`http` code and a real server's HTTP server
 * (`httpServer.emit('connection', …)`, which takes any Duplex). Nothing else
 * is simulated: both ends speak real HTTP and WebSocket framing.
 *
 * What travels is held in per-direction queues, so the fuzz decides when it
 * arrives: a connection is `flowing` (delivered on the next turn of the event
 * loop) or `held` (kept until released — a delay). A stream is never
 * reordered or duplicated within itself (TCP does neither); what the fuzz
 * reorders is delivery across connections, and duplicates come from clients
 * re-sending after a connection was cut with its queues dropped.
 */

/** What a server of the network does with a new connection: its HTTP server's `emit('connection', socket)`. */
export type Accept = (socket: Duplex) => void;

/** A queued item: bytes, the end of the stream (FIN), or the sender's socket gone after what it had sent. */
type Item = Buffer | 'end' | 'destroy';

/** One end of a connection: a Duplex with the few socket methods Node's HTTP and ws call. */
class SimSocket extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #onItem: (item: Item) => void;

  constructor(remoteAddress: string, remotePort: number, onItem: (item: Item) => void) {
    super();
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
    this.#onItem = onItem;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // Copied: the writer may reuse its buffer once the callback ran.
    this.#onItem(Buffer.from(chunk));
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#onItem('end');
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#onItem('destroy');
    callback(error);
  }

  setTimeout(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }
}

type Direction = 'up' | 'down';

/** One connection between a client and a server. `up` is client → server. */
export class Link {
  readonly id: number;
  readonly client: string;
  readonly host: string;
  readonly clientEnd: SimSocket;
  readonly serverEnd: SimSocket;
  readonly #queues: Record<Direction, Item[]> = { up: [], down: [] };
  readonly #network: SimNetwork;
  #cut = false;

  constructor(network: SimNetwork, id: number, client: string, host: string, address: string) {
    this.#network = network;
    this.id = id;
    this.client = client;
    this.host = host;
    this.clientEnd = new SimSocket(host, 80, (item) => this.#send('up', item));
    this.serverEnd = new SimSocket(address, 40_000 + id, (item) => this.#send('down', item));
  }

  get open(): boolean {
    return !this.#cut;
  }

  queued(direction: Direction): number {
    return this.#queues[direction].length;
  }

  #send(direction: Direction, item: Item): void {
    if (this.#cut) return;
    this.#queues[direction].push(item);
    this.#network.wake(this);
  }

  /** Delivers up to `count` queued items of one direction, in order. */
  deliver(direction: Direction, count = Infinity): number {
    const queue = this.#queues[direction];
    const target = direction === 'up' ? this.serverEnd : this.clientEnd;
    let delivered = 0;
    while (delivered < count && queue.length > 0 && !this.#cut) {
      const item = queue.shift()!;
      delivered++;
      if (item === 'destroy') {
        // The sender's socket is gone after everything it had sent: so is this connection (a close, not a reset).
        this.cut(false);
      } else if (!target.destroyed) {
        target.push(item === 'end' ? null : item);
      }
    }
    if (this.#queues.up.length === 0 && this.#queues.down.length === 0) this.#network.settled(this);
    return delivered;
  }

  /**
   * Ends the connection at once: whatever is queued either way is lost and
   * both ends close — with ECONNRESET when it is a `reset` (a fault) and the
   * socket's owner still listens for errors, as a real reset reaches it.
   */
  cut(reset = true): void {
    if (this.#cut) return;
    this.#cut = true;
    this.#queues.up.length = 0;
    this.#queues.down.length = 0;
    this.#network.forget(this);
    for (const end of [this.clientEnd, this.serverEnd]) {
      if (end.destroyed) continue;
      if (reset && end.listenerCount('error') > 0) end.destroy(Object.assign(new Error('connection reset by the simulated network'), { code: 'ECONNRESET' }));
      else end.destroy();
    }
  }
}

/**
 * The hosts (servers) and clients of one fuzz run. A client's connections
 * are held or flowing as the client is; hosts come and go as servers crash
 * and restart.
 */
export class SimNetwork {
  readonly #hosts = new Map<string, Accept>();
  readonly #links = new Map<number, Link>();
  readonly #held = new Set<string>();
  readonly #offline = new Set<string>();
  readonly #addresses = new Map<string, string>();
  readonly #dirty = new Set<Link>();
  /** Where each client's connections go, whatever name it dials (a load balancer's choice). */
  readonly #routes = new Map<string, string>();
  #nextLink = 1;
  #pumping = false;
  /** Bytes-carrying items delivered and connections opened, refused and cut: the run's network figures. */
  readonly stats = { connections: 0, refused: 0, cuts: 0 };

  /** `host` now accepts connections through `accept`; null: nothing listens there (a crashed server). */
  setHost(host: string, accept: Accept | null): void {
    if (accept === null) this.#hosts.delete(host);
    else this.#hosts.set(host, accept);
  }

  /** From now on `client`'s new connections go to `host`, whatever it dials. */
  assign(client: string, host: string): void {
    this.#routes.set(client, host);
  }

  assigned(client: string): string | undefined {
    return this.#routes.get(client);
  }

  /** Opens a connection from `client` to `dialled` (or where it is routed); a refused one errors on the next tick, as a real refused connect does. */
  connect(client: string, dialled: string): Duplex {
    const host = this.#routes.get(client) ?? dialled;
    const link = new Link(this, this.#nextLink++, client, host, this.#addressOf(client));
    const accept = this.#hosts.get(host);
    if (accept === undefined || this.#offline.has(client)) {
      this.stats.refused++;
      const refused = Object.assign(new Error(`connect ECONNREFUSED ${host} (simulated)`), { code: 'ECONNREFUSED' });
      process.nextTick(() => link.clientEnd.destroy(refused));
      return link.clientEnd;
    }
    this.stats.connections++;
    this.#links.set(link.id, link);
    accept(link.serverEnd);
    return link.clientEnd;
  }

  /** Each client has its own address, so per-address limits see distinct machines. */
  #addressOf(client: string): string {
    let address = this.#addresses.get(client);
    if (address === undefined) {
      address = `10.0.${Math.floor(this.#addresses.size / 250)}.${(this.#addresses.size % 250) + 1}`;
      this.#addresses.set(client, address);
    }
    return address;
  }

  /** The open connections of a client (or to a host), oldest first. */
  links(filter: { client?: string; host?: string } = {}): Link[] {
    return [...this.#links.values()].filter((l) => (filter.client === undefined || l.client === filter.client) && (filter.host === undefined || l.host === filter.host));
  }

  isHeld(client: string): boolean {
    return this.#held.has(client);
  }

  isOffline(client: string): boolean {
    return this.#offline.has(client);
  }

  /** From now on what a client's connections carry waits for `release` or `deliverSome` (a slow or stalled link). */
  hold(client: string): void {
    this.#held.add(client);
  }

  /** Lets a client's connections flow again; what they queued goes out, interleaved across connections by `pick`. */
  release(client: string, pick: (n: number) => number): void {
    this.#held.delete(client);
    this.interleave(this.links({ client }), pick);
  }

  /**
   * Delivers everything queued on `links`, one item at a time from a
   * connection and direction chosen by `pick` (each stream stays in order;
   * the streams are interleaved).
   */
  interleave(links: readonly Link[], pick: (n: number) => number): void {
    for (;;) {
      const ready = links.flatMap((l) => (['up', 'down'] as const).filter((d) => l.open && l.queued(d) > 0).map((d) => ({ link: l, direction: d })));
      if (ready.length === 0) return;
      const { link, direction } = ready[pick(ready.length)]!;
      link.deliver(direction, 1);
    }
  }

  /** Cuts every open connection of a client (a network drop: in-flight bytes lost both ways). */
  cutClient(client: string): number {
    const links = this.links({ client });
    for (const link of links) link.cut();
    this.stats.cuts += links.length;
    return links.length;
  }

  /** Cuts every connection to a host (its process died). */
  cutHost(host: string): void {
    for (const link of this.links({ host })) link.cut();
  }

  /** The client's network is down: its connections are cut and new ones refused until `online`. */
  offline(client: string): void {
    this.#offline.add(client);
    this.cutClient(client);
  }

  online(client: string): void {
    this.#offline.delete(client);
  }

  /** Heals everything for the final convergence: every client online and flowing. */
  healAll(pick: (n: number) => number): void {
    this.#offline.clear();
    for (const client of [...this.#held]) this.release(client, pick);
  }

  /** Called by a link that has something queued: a flowing one is delivered on the next turn. */
  wake(link: Link): void {
    if (this.#held.has(link.client)) return;
    this.#dirty.add(link);
    if (this.#pumping) return;
    this.#pumping = true;
    setImmediate(() => {
      this.#pumping = false;
      const links = [...this.#dirty];
      this.#dirty.clear();
      for (const l of links) {
        if (this.#held.has(l.client)) continue;
        l.deliver('up');
        l.deliver('down');
      }
    });
  }

  settled(link: Link): void {
    this.#dirty.delete(link);
  }

  forget(link: Link): void {
    this.#links.delete(link.id);
    this.#dirty.delete(link);
  }

  /** A WebSocket class (SessionClient's `WebSocketPolyfill`) whose connections are this network's, as `client`. */
  webSocketFor(client: string): WebSocketConstructor {
    const connect = (host: string) => this.connect(client, host);
    return class SimWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { createConnection: () => connect(new URL(address).hostname) });
      }
    };
  }

  /** A `fetch` whose requests are this network's connections, as `client`; a refused or cut one rejects like a real fetch. */
  fetchFor(client: string): typeof fetch {
    return (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers: Record<string, string> = { connection: 'close' };
      new Headers(init?.headers).forEach((value, name) => {
        headers[name] = value;
      });
      return new Promise<Response>((resolve, reject) => {
        const req = request({
          method: init?.method ?? 'GET',
          host: url.hostname,
          path: `${url.pathname}${url.search}`,
          headers,
          createConnection: () => this.connect(client, url.hostname),
        });
        req.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
          res.on('end', () => {
            const status = res.statusCode ?? 500;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers: responseHeaders(res.headers) }));
          });
        });
        const body = init?.body;
        if (typeof body === 'string' || body instanceof Uint8Array) req.write(body);
        else if (body !== undefined && body !== null) {
          reject(new TypeError('the simulated fetch sends string and byte bodies only'));
          req.destroy();
          return;
        }
        req.end();
      });
    };
  }
}

function responseHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}
