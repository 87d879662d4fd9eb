import type { AddressInfo } from 'node:net';
import { CloseCode } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { backoffCeiling, resolveBackoff } from './backoff.ts';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, seededRandom, startTestServer, testClient, waitFor } from './server-harness.fixture.ts';
import { SyncState } from './sync-state.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const backoff = { initialDelayMs: 50, maxDelayMs: 400 };

describe('reconnect', () => {
  it('after a server restart on the same port, clients try at once (ServiceRestart), then come back with jittered backoff and resync', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.dispose());
    const sess = await createTestSession(server.url, ['gm']);
    // Three of the GM's devices on the GM document, which takes any edit (the table has per-path write rules).
    const clients = [1, 2, 3].map((seed) =>
      testClient(server.url, { sessionId: sess.id, token: sess.gm.token, docs: ['gm'], persistence: memoryPersistence(), backoff, random: seededRandom(seed) }),
    );
    for (const c of clients) cleanups.push(() => c.destroy());
    await Promise.all(clients.map((c) => c.whenSynced()));
    const reconnects = clients.map((c) => {
      const log: Array<{ attempt: number; delayMs: number }> = [];
      c.on('reconnect', (e) => log.push(e));
      return log;
    });

    await server.stop();
    await waitFor(() => clients.every((c) => c.syncState.get() === SyncState.OFFLINE), 'all offline');
    clients.forEach((c, i) => c.doc('gm').getMap('tokens').set(`during-outage-${i}`, i));
    // Long enough for several failed attempts against the closed port.
    await waitFor(() => reconnects.every((log) => log.length >= 3), 'repeated attempts');
    await server.start();
    await Promise.all(clients.map((c) => c.whenSynced()));
    await Promise.all(clients.map((c) => c.whenSaved()));
    await waitFor(() => clients.every((c) => c.doc('gm').getMap('tokens').size === 3), 'outage edits everywhere');

    const options = resolveBackoff(backoff);
    for (const log of reconnects) {
      // Attempts count up while the server is away; the first went at once (the server closed with ServiceRestart,
      // [OPS3]), and every later delay is within its window.
      expect(log.map((e) => e.attempt)).toEqual(log.map((_, i) => i + 1));
      expect(log[0]!.delayMs).toBe(0);
      for (const { attempt, delayMs } of log.slice(1)) {
        expect(delayMs).toBeGreaterThan(0);
        expect(delayMs).toBeLessThanOrEqual(backoffCeiling(attempt, options));
      }
    }
    // Not in lockstep: the clients drew different delays for the same attempt.
    const firstDelays = reconnects.map((log) => log[1]!.delayMs);
    expect(new Set(firstDelays).size).toBe(firstDelays.length);

    // A successful sync resets the schedule: the next drop starts again at attempt 1.
    const before = reconnects.map((log) => log.length);
    await server.stop();
    await server.start();
    await Promise.all(clients.map((c) => c.whenSynced()));
    reconnects.forEach((log, i) => expect(log[before[i]!]?.attempt).toBe(1));
  });

  it('does not reconnect while deliberately offline', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.dispose());
    const sess = await createTestSession(server.url);
    const c = testClient(server.url, { sessionId: sess.id, token: sess.gm.token, persistence: memoryPersistence(), backoff });
    cleanups.push(() => c.destroy());
    await c.whenSynced();
    let reconnects = 0;
    c.on('reconnect', () => reconnects++);
    c.disconnect();
    await server.stop();
    await server.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(reconnects).toBe(0);
    expect(c.syncState.get()).toBe(SyncState.OFFLINE);
    expect(server.server.metrics().connections).toBe(0);
    c.connect();
    await c.whenSynced();
  });

  /** A minimal WebSocket server that closes every connection with `code`, recording what each upgrade carried. */
  async function closingServer(code: number): Promise<{ url: string; connections: () => number; requests: string[]; protocols: string[] }> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const requests: string[] = [];
    const protocols: string[] = [];
    wss.on('connection', (ws, req) => {
      requests.push(req.url ?? '');
      protocols.push((req.headers['sec-websocket-protocol'] ?? '').replace(/,\s*/g, ', '));
      ws.close(code, 'test');
    });
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, connections: () => requests.length, requests, protocols };
  }

  it('[EQ10] reads the token again before every attempt; as a query parameter when asked to, next to the sidecar announcement', async () => {
    const server = await closingServer(CloseCode.GoingAway);
    let token = 0;
    const c = testClient(server.url, {
      sessionId: 'token',
      docs: ['table'],
      persistence: memoryPersistence(),
      userId: 'u1',
      backoff,
      token: () => String(++token),
      tokenTransport: 'query',
      params: () => ({ extra: 'yes', dl: 'overridden?' }),
    });
    cleanups.push(() => c.destroy());
    await waitFor(() => server.connections() >= 3, 'three attempts');
    const urls = server.requests.slice(0, 3).map((u) => new URL(u, 'http://x'));
    expect(urls.map((u) => u.pathname)).toEqual(Array(3).fill('/sessions/token/table'));
    expect(urls.map((u) => u.searchParams.get('token'))).toEqual(['1', '2', '3']);
    expect(urls.every((u) => u.searchParams.get('dl') === '1' && u.searchParams.get('extra') === 'yes')).toBe(true);
    expect(server.protocols.slice(0, 3)).toEqual(['', '', '']);
  });

  it('[EQ10] by default offers the token as a subprotocol next to dl-v1, never in the URL; an async token function is awaited', async () => {
    const server = await closingServer(CloseCode.GoingAway);
    let token = 0;
    const c = testClient(server.url, {
      sessionId: 'token',
      persistence: memoryPersistence(),
      userId: 'u1',
      backoff,
      token: async () => {
        await new Promise((r) => setTimeout(r, 5));
        return `t${++token}`;
      },
    });
    cleanups.push(() => c.destroy());
    await waitFor(() => server.connections() >= 2, 'two attempts');
    expect(server.protocols.slice(0, 2)).toEqual(['dl-v1, dl-token.t1', 'dl-v1, dl-token.t2']);
    expect(server.requests.every((u) => !new URL(u, 'http://x').searchParams.has('token'))).toBe(true);
  });

  it('[OPS3] after ServiceRestart (1012) reconnects at once, without backoff; a second drop in a row meets the backoff again', async () => {
    for (const [code, first] of [
      [CloseCode.ServiceRestart, 0],
      [CloseCode.GoingAway, null],
    ] as const) {
      const server = await closingServer(code);
      const c = testClient(server.url, { sessionId: 'restart', token: 'any', userId: 'u1', persistence: memoryPersistence(), backoff, random: () => 0.5 });
      cleanups.push(() => c.destroy());
      const log: Array<{ attempt: number; delayMs: number }> = [];
      c.on('reconnect', (e) => log.push(e));
      await waitFor(() => log.length >= 2, 'two reconnects');
      if (first === null) expect(log[0]!.delayMs).toBeGreaterThan(0);
      else expect(log[0]).toMatchObject({ attempt: 1, delayMs: first });
      // The socket it opened at once closed again: that one waits out the backoff.
      expect(log[1]!.attempt).toBe(2);
      expect(log[1]!.delayMs).toBeGreaterThan(0);
    }
  });

  for (const [code, retry] of [
    [CloseCode.Forbidden, false],
    [CloseCode.UnsupportedVersion, false],
    [CloseCode.Normal, false],
    [CloseCode.SlowConsumer, true],
    [CloseCode.GoingAway, true],
    [CloseCode.ServiceRestart, true],
  ] as const) {
    it(`${retry ? 'retries' : 'gives up'} after close code ${code}`, async () => {
      const server = await closingServer(code);
      const c = testClient(server.url, { sessionId: 'codes', token: 'any', userId: 'u1', persistence: memoryPersistence(), backoff });
      cleanups.push(() => c.destroy());
      const closed: number[] = [];
      c.on('closed', (e) => closed.push(e.code));
      const synced = c.whenSynced().then(
        () => 'synced',
        () => 'rejected',
      );
      if (retry) {
        await waitFor(() => server.connections() >= 3, 'retries');
        expect(closed).toEqual([]);
      } else {
        await waitFor(() => closed.length === 1, 'closed event');
        expect(closed).toEqual([code]);
        expect(await synced).toBe('rejected');
        await new Promise((r) => setTimeout(r, 300));
        expect(server.connections()).toBe(1);
        expect(c.syncState.get()).toBe(SyncState.OFFLINE);
        await expect(c.whenSynced()).rejects.toThrow(/for good/);
        // An explicit connect() overrides the verdict (e.g. after signing in again).
        c.connect();
        await waitFor(() => server.connections() === 2, 'explicit reconnect');
      }
    });
  }
});
