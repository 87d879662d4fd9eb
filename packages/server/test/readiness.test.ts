/**
 * `/healthz` and `/readyz` of a server in this process ([OPS1], [OPS2] in
 * docs/operations.md): liveness answers from the event loop alone;
 * readiness runs the backends' checks, the lease loop's and its own
 * shutdown state, each within its timeout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CHECK_TIMEOUT_MS } from '../src/health/readiness.ts';
import { startServer, type RunningServer } from './helpers.ts';

const running: RunningServer[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.dispose();
});

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

describe('health and readiness', () => {
  it('[OPS2] ready with its store, lease loop and accepting; drain() turns only /readyz to 503 — /healthz and the rest keep serving', async () => {
    const r = await startServer();
    running.push(r);
    expect(await get(`${r.url}/readyz`)).toEqual({ status: 200, body: { ready: true, checks: { store: 'ok', leases: 'ok', accepting: 'ok' } } });
    r.server.drain();
    expect(await get(`${r.url}/readyz`)).toEqual({
      status: 503,
      body: { ready: false, checks: { store: 'ok', leases: 'ok', accepting: 'shutting down' }, error: 'accepting: shutting down' },
    });
    expect(await get(`${r.url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    expect((await fetch(`${r.url}/api/sessions`)).status).toBe(401);
  });

  it('[OPS1][OPS2] a failing backend check makes it unready, naming the check, while it stays alive; a check that never answers fails after its timeout', async () => {
    let redisUp = false;
    const r = await startServer({
      readiness: [
        { name: 'mongo', probe: () => new Promise<void>(() => {}) },
        {
          name: 'redis',
          probe: async () => {
            if (!redisUp) throw new Error('disconnected; reconnecting');
          },
        },
      ],
    });
    running.push(r);
    const started = Date.now();
    const answer = await get(`${r.url}/readyz`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(CHECK_TIMEOUT_MS - 50);
    expect(answer).toEqual({
      status: 503,
      body: {
        ready: false,
        checks: { mongo: `no answer within ${CHECK_TIMEOUT_MS} ms`, redis: 'disconnected; reconnecting', leases: 'ok', accepting: 'ok' },
        error: `mongo: no answer within ${CHECK_TIMEOUT_MS} ms`,
      },
    });
    expect(await get(`${r.url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    redisUp = true;
    expect((await get(`${r.url}/readyz`)).body).toMatchObject({ checks: { redis: 'ok' } });
  });
});
