/**
 * A TCP proxy standing for a network link between a client and a server:
 * real sockets both sides, the bytes passed on as they came, at most
 * `bytesPerSecond` each way. Tests put it in front of a server to see what a
 * slow link does to a protocol (a big initial sync, a busy room) that a
 * loopback connection would hide.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

export interface LinkProxyOptions {
  /** Where the proxy forwards to. */
  readonly target: { readonly host: string; readonly port: number };
  /** Bytes per second in each direction; Infinity: no cap. */
  readonly bytesPerSecond: number;
}

export interface LinkProxy {
  /** `host:port` clients connect to instead of the target. */
  readonly address: string;
  readonly port: number;
  /** Bytes passed toward the clients, all connections together. */
  readonly bytesDown: () => number;
  close(): Promise<void>;
}

/** Pipes `from` into `to` at most `bytesPerSecond`, pausing `from` while a chunk's time runs (TCP backpressure does the rest). */
function pace(from: Socket, to: Socket, bytesPerSecond: number, count: (n: number) => void): void {
  let readyAt = Date.now();
  from.on('data', (chunk: Buffer) => {
    count(chunk.length);
    const ok = to.write(chunk);
    readyAt = Math.max(readyAt, Date.now()) + (chunk.length * 1000) / bytesPerSecond;
    const wait = readyAt - Date.now();
    if (wait > 0 || !ok) {
      from.pause();
      const resume = () => setTimeout(() => from.resume(), Math.max(0, readyAt - Date.now()));
      if (ok) resume();
      else to.once('drain', resume);
    }
  });
  from.on('end', () => to.end());
}

export async function startLinkProxy(options: LinkProxyOptions): Promise<LinkProxy> {
  const sockets = new Set<Socket>();
  let down = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(options.target.port, options.target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // One side gone ends the other: a reset on a link is seen at both ends.
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => (s === client ? upstream : client).destroy());
    }
    pace(client, upstream, options.bytesPerSecond, () => {});
    pace(upstream, client, options.bytesPerSecond, (n) => (down += n));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    port,
    bytesDown: () => down,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
