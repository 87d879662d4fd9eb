import type { AddressInfo } from 'node:net';
import { CloseCode } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { backoffCeiling, resolveBackoff } from './backoff.ts';
import { memoryPersistence } from './memory-persistence.ts';
import { seededRandom, startTestServer, testClient, waitFor } from './server-harness.fixture.ts';
import { SyncState } from './sync-state.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const backoff = { initialDelayMs: 50, maxDelayMs: 400 };

describe('reconnect', () => {
  it('after a server restart on the same port, clients come back with jittered backoff and resync', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.dispose());
    const clients = [1, 2, 3].map((seed) =>
      testClient(server.url, { sessionId: 'restart', persistence: memoryPersistence(), backoff, random: seededRandom(seed) }),
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
    clients.forEach((c, i) => c.doc('table').getMap('tokens').set(`during-outage-${i}`, i));
    // Long enough for several failed attempts against the closed port.
    await waitFor(() => reconnects.every((log) => log.length >= 3), 'repeated attempts');
    await server.start();
    await Promise.all(clients.map((c) => c.whenSynced()));
    await Promise.all(clients.map((c) => c.whenSaved()));
    await waitFor(() => clients.every((c) => c.doc('table').getMap('tokens').size === 3), 'outage edits everywhere');

    const options = resolveBackoff(backoff);
    for (const log of reconnects) {
      // Attempts count up while the server is away, and every delay is within its window.
      expect(log.map((e) => e.attempt)).toEqual(log.map((_, i) => i + 1));
      for (const { attempt, delayMs } of log) {
        expect(delayMs).toBeGreaterThan(0);
        expect(delayMs).toBeLessThanOrEqual(backoffCeiling(attempt, options));
      }
    }
    // Not in lockstep: the clients drew different delays for the same attempt.
    const firstDelays = reconnects.map((log) => log[0]!.delayMs);
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
    const c = testClient(server.url, { sessionId: 'quiet', persistence: memoryPersistence(), backoff });
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

  /** A minimal WebSocket server that closes every connection with `code`. */
  async function closingServer(code: number): Promise<{ url: string; connections: () => number; requests: string[] }> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const requests: string[] = [];
    wss.on('connection', (ws, req) => {
      requests.push(req.url ?? '');
      ws.close(code, 'test');
    });
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, connections: () => requests.length, requests };
  }

  it('reads params again before every attempt and always announces the sidecar', async () => {
    const server = await closingServer(CloseCode.GoingAway);
    let token = 0;
    const c = testClient(server.url, {
      sessionId: 'token',
      docs: ['table'],
      persistence: memoryPersistence(),
      backoff,
      params: () => ({ token: String(++token), dl: 'overridden?' }),
    });
    cleanups.push(() => c.destroy());
    await waitFor(() => server.connections() >= 3, 'three attempts');
    const urls = server.requests.slice(0, 3).map((u) => new URL(u, 'http://x'));
    expect(urls.map((u) => u.pathname)).toEqual(Array(3).fill('/sessions/token/table'));
    expect(urls.map((u) => u.searchParams.get('token'))).toEqual(['1', '2', '3']);
    expect(urls.every((u) => u.searchParams.get('dl') === '1')).toBe(true);
  });

  for (const [code, retry] of [
    [CloseCode.Forbidden, false],
    [CloseCode.UnsupportedVersion, false],
    [CloseCode.Normal, false],
    [CloseCode.SlowConsumer, true],
    [CloseCode.GoingAway, true],
  ] as const) {
    it(`${retry ? 'retries' : 'gives up'} after close code ${code}`, async () => {
      const server = await closingServer(code);
      const c = testClient(server.url, { sessionId: 'codes', persistence: memoryPersistence(), backoff });
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
