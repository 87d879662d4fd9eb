import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { seededRandom } from './seeded-random.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An echo server that records every socket it accepted and how each ended. */
async function echoServer(): Promise<{ port: number; sockets: Socket[]; ended: Array<'end' | 'close' | 'error'> }> {
  const sockets: Socket[] = [];
  const ended: Array<'end' | 'close' | 'error'> = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => s.write(d));
    s.on('end', () => ended.push('end'));
    s.on('error', () => ended.push('error'));
    s.on('close', () => ended.push('close'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, sockets, ended };
}

async function proxyTo(port: number, extra: Partial<Parameters<typeof startFaultProxy>[0]> = {}): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port }, ...extra });
  cleanups.push(() => proxy.close());
  return proxy;
}

/** A client socket through `proxy` that collects what it receives and how it ended. */
async function client(proxy: FaultProxy): Promise<{ socket: Socket; received: () => string; events: string[] }> {
  const socket = connect(proxy.port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  let received = '';
  const events: string[] = [];
  socket.on('data', (d) => (received += d.toString()));
  socket.on('end', () => events.push('end'));
  socket.on('error', (e: NodeJS.ErrnoException) => events.push(`error:${e.code}`));
  socket.on('close', () => events.push('close'));
  await once(socket, 'connect');
  return { socket, received: () => received, events };
}

async function until(pred: () => boolean, what: string, ms = 5_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault proxy', () => {
  it('passes bytes both ways unchanged and in order, and a FIN as a FIN', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const c = await client(proxy);
    const sent = Array.from({ length: 200 }, (_, i) => `${i};`).join('');
    for (let i = 0; i < sent.length; i += 37) c.socket.write(sent.slice(i, i + 37));
    await until(() => c.received() === sent, 'the echo');
    c.socket.end();
    await until(() => echo.ended.includes('end'), 'the FIN at the server');
    await until(() => c.events.includes('close'), 'the client closed');
    expect(c.events).not.toContain('error:ECONNRESET');
  });

  it('delays each direction by its own delay, switchable while the connection runs', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port, { up: { delayMs: 150 } });
    const c = await client(proxy);
    const roundTrip = async (text: string) => {
      const before = c.received().length;
      const start = Date.now();
      c.socket.write(text);
      await until(() => c.received().length === before + text.length, text);
      return Date.now() - start;
    };
    expect(await roundTrip('a')).toBeGreaterThanOrEqual(145);
    proxy.shape('down', { delayMs: 200 });
    expect(await roundTrip('b')).toBeGreaterThanOrEqual(345);
    proxy.shape('up', { delayMs: 0 });
    proxy.shape('down', { delayMs: 0 });
    expect(c.received()).toBe('ab');
  });

  it('caps the bandwidth of a direction: 256 KB at 256 KB/s take about a second', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port, { down: { bytesPerSecond: 256 * 1024 } });
    const c = await client(proxy);
    const start = Date.now();
    c.socket.write(Buffer.alloc(256 * 1024, 'x'));
    await until(() => c.received().length === 256 * 1024, 'the 256 KB echo');
    // A chunk (64 KB at most on loopback) passes at once and the next waits for its time: 192 KB of waiting at least.
    expect(Date.now() - start).toBeGreaterThanOrEqual(700);
    expect(proxy.bytesDown()).toBe(256 * 1024);
  });

  it('partition: nothing passes either way and no socket closes; on heal what waited arrives in order, and a connection made meanwhile reaches the server', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const c = await client(proxy);
    c.socket.write('before;');
    await until(() => c.received() === 'before;', 'the first echo');
    proxy.partition();
    c.socket.write('during;');
    echo.sockets[0]!.write('server-side;');
    const late = await client(proxy);
    late.socket.write('late;');
    await sleep(300);
    expect(c.received()).toBe('before;');
    expect(late.received()).toBe('');
    expect(echo.sockets).toHaveLength(1);
    expect([...c.events, ...late.events, ...echo.ended]).toEqual([]);
    proxy.heal();
    await until(() => c.received() === 'before;server-side;during;', 'what waited, in order');
    await until(() => late.received() === 'late;', 'the late connection\'s echo');
    expect(echo.sockets).toHaveLength(2);
  });

  it('drop: resets a seeded share of the connections at both ends; the same seed drops the same ones', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const dropped = async (seed: number) => {
      const clients = await Promise.all(Array.from({ length: 10 }, () => client(proxy)));
      for (const [i, c] of clients.entries()) c.socket.write(`${i}`);
      await until(() => clients.every((c, i) => c.received() === `${i}`), 'every echo');
      const count = proxy.drop(0.5, seededRandom(seed));
      await until(() => clients.filter((c) => c.events.includes('close')).length === count, 'the dropped clients closed');
      const which = clients.map((c) => c.events.includes('error:ECONNRESET'));
      expect(which.filter(Boolean)).toHaveLength(count);
      for (const c of clients) c.socket.destroy();
      return which;
    };
    const first = await dropped(7);
    expect(first.filter(Boolean).length).toBeGreaterThan(0);
    expect(first.filter(Boolean).length).toBeLessThan(10);
    expect(await dropped(7)).toEqual(first);
  });

  it('half-open: what either end writes vanishes and neither end is told, even when one closes; new connections work', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const c = await client(proxy);
    c.socket.write('hello;');
    await until(() => c.received() === 'hello;', 'the echo');
    expect(proxy.halfOpen()).toBe(1);
    c.socket.write('lost;');
    echo.sockets[0]!.write('also lost;');
    const fresh = await client(proxy);
    fresh.socket.write('fresh;');
    await until(() => fresh.received() === 'fresh;', 'a new connection\'s echo');
    c.socket.end();
    await sleep(300);
    expect(c.received()).toBe('hello;');
    // The server never saw the client's FIN, nor any reset.
    expect(echo.ended).toEqual([]);
    expect(echo.sockets[0]!.destroyed).toBe(false);
    // The server gives up on its own: the client is not told either.
    echo.sockets[0]!.destroy();
    await sleep(100);
    expect(c.events).toEqual([]);
    expect(proxy.connections()).toBe(2);
  });

  it('retarget: new connections go to the new target, open ones stay where they are', async () => {
    const [a, b] = [await echoServer(), await echoServer()];
    const proxy = await proxyTo(a.port);
    const first = await client(proxy);
    first.socket.write('1');
    await until(() => first.received() === '1', 'echo from a');
    proxy.retarget({ host: '127.0.0.1', port: b.port });
    const second = await client(proxy);
    second.socket.write('2');
    await until(() => second.received() === '2', 'echo from b');
    expect([a.sockets.length, b.sockets.length]).toEqual([1, 1]);
  });

  it('a target that refuses: the client is closed, as a refused connection would be', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    proxy.retarget({ host: '127.0.0.1', port: 1 });
    const c = await client(proxy);
    await until(() => c.events.includes('close'), 'the client closed');
  });
});
