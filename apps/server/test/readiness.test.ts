/**
 * Health, readiness and what a replica does when its services are missing
 * or it is told to stop ([OPS1]..[OPS5] in docs/operations.md), on the
 * bundle `npm start` runs, with a real redis-server killed and started
 * again and the mongo-wire store (jongodb) stopped and started again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIntent } from '@dungeon-lab/events';
import { connectRedis } from '@dungeon-lab/redis';
import { jongodbMissing, startJongodb } from '@dungeon-lab/testing/jongodb';
import { startRedis } from '@dungeon-lab/testing/redis-server';
import { describe, expect, it } from 'vitest';
import { type App, JONGODB_LANE, cleanups, gmSession, provider, sharedProcesses, startApp, submit, until, useDeployment } from './deployment.ts';

useDeployment();

interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
  error?: string;
}

async function readyz(app: App): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${app.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

/** Polls `/readyz` until it answers `status`; answers that last body. */
async function untilReadyz(app: App, status: 200 | 503, ms = 20_000): Promise<Readiness> {
  const start = Date.now();
  for (;;) {
    const answer = await readyz(app);
    if (answer.status === status) return answer.body;
    if (Date.now() - start > ms) throw new Error(`/readyz still ${answer.status} after ${ms} ms: ${JSON.stringify(answer.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function healthz(app: App): Promise<number> {
  return (await fetch(`${app.url}/healthz`)).status;
}

const chat = (text: string) => createIntent('chat:message', { text });

/** The port of a connection string or URL. */
const portOf = (url: string) => Number(/:(\d+)\//.exec(url)![1]);

describe('apps/server: health and readiness', () => {
  it('[OPS1][OPS2] the embedded default: /healthz alive, /readyz ready with its store, its lease loop and accepting', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-ready-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const app = await startApp({ DATA_DIR: dataDir });
    expect(await healthz(app)).toBe(200);
    expect(await readyz(app)).toEqual({ status: 200, body: { ready: true, checks: { store: 'ok', leases: 'ok', accepting: 'ok' } } });
  });
});

describe.skipIf(jongodbMissing() !== null)('apps/server: a replica on Redis and the mongo-wire store (jongodb)', () => {
  it('[OPS2][OPS5] Redis lost while running: a log line, unready, no crash, nothing acknowledged lost; ready again when Redis is back', async () => {
    const apps = await sharedProcesses(JONGODB_LANE, 1, 'ready-redis');
    const app = apps[0]!;
    expect(await readyz(app)).toEqual({ status: 200, body: { ready: true, checks: { mongo: 'ok', redis: 'ok', leases: 'ok', accepting: 'ok' } } });
    const { token, sessionId } = await gmSession(app.url);
    expect((await submit(app.url, sessionId, token, [chat('before')])).body).toEqual([expect.objectContaining({ success: true, sequence: 1 })]);

    await apps.redis.kill('SIGKILL');
    const down = await untilReadyz(app, 503);
    expect(down.ready).toBe(false);
    expect(down.checks.redis).not.toBe('ok');
    expect(down.error).toMatch(/^redis: /);
    // Alive: a restart would not bring Redis back.
    expect(await healthz(app)).toBe(200);
    await until(() => app.output.some((l) => /redis connection error/.test(l)), 'the log line');
    await until(() => app.output.some((l) => /"msg":"not ready"/.test(l)), 'the readiness change logged');

    await apps.redis.restart();
    expect(await untilReadyz(app, 200)).toEqual({ ready: true, checks: { mongo: 'ok', redis: 'ok', leases: 'ok', accepting: 'ok' } });
    expect(app.child.exitCode).toBeNull();
    expect((await submit(app.url, sessionId, token, [chat('after')])).body).toEqual([expect.objectContaining({ success: true, sequence: 2 })]);
    const events = (await (await fetch(`${app.url}/api/sessions/${sessionId}/events`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      events: Array<{ sequence: number }>;
    };
    expect(events.events.map((e) => e.sequence)).toEqual([1, 2]);
  });

  it('[OPS2][OPS5] the mongo-wire store (jongodb) lost while running: unready within the check timeout, no crash; ready again once it answers on its port', async () => {
    const apps = await sharedProcesses(JONGODB_LANE, 1, 'ready-mongo');
    const app = apps[0]!;
    await untilReadyz(app, 200);
    await apps.mongo.jongodb!.stop();
    const down = await untilReadyz(app, 503);
    expect(down.checks.mongo).not.toBe('ok');
    expect(down.checks.redis).toBe('ok');
    expect(down.error).toMatch(/^mongo: /);
    expect(await healthz(app)).toBe(200);
    // jongodb keeps nothing: the one started again is empty, but it is the same service on the same port.
    const again = await startJongodb({ port: portOf(apps.mongo.jongodb!.url) });
    cleanups.push(() => again.stop());
    await untilReadyz(app, 200, 30_000);
    expect(app.child.exitCode).toBeNull();
  }, 60_000);

  it('[OPS4] Redis unreachable at start: the port answers unready with a log line, the replica waits (no crash loop) and is ready once Redis is up', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    await redis.kill('SIGTERM');
    const mongo = await startJongodb();
    cleanups.push(() => mongo.stop());
    const app = await startApp({ MONGO_URL: mongo.url, MONGO_DB: 'start-redis', REDIS_URL: redis.url, OPEN_ROOMS: 'true' }, { until: 'starting' });
    await until(() => app.output.some((l) => /redis unreachable at start: retrying/.test(l)), 'the log line');
    const waiting = await untilReadyz(app, 503);
    expect(waiting.checks.mongo).toBe('ok');
    expect(waiting.checks.redis).toMatch(/^unreachable: .*ECONNREFUSED/);
    expect(await healthz(app)).toBe(200);
    // Everything else is refused as unavailable, never served half-started.
    const api = await fetch(`${app.url}/api/dev/login`, { method: 'POST', body: '{}' });
    expect(api.status).toBe(503);
    expect(await api.json()).toEqual({ error: expect.stringMatching(/^starting: redis: /) });
    expect(app.output.some((l) => /^listening on/.test(l))).toBe(false);

    await redis.restart();
    await until(() => app.output.some((l) => l === `listening on ${app.url}`), 'listening on the same port');
    expect(await untilReadyz(app, 200)).toEqual({ ready: true, checks: { mongo: 'ok', redis: 'ok', leases: 'ok', accepting: 'ok' } });
    const { token, sessionId } = await gmSession(app.url);
    expect((await submit(app.url, sessionId, token, [chat('up')])).body).toEqual([expect.objectContaining({ success: true, sequence: 1 })]);
  });

  it('[OPS4] the mongo-wire store (jongodb) unreachable at start: unready with a log line per attempt, no crash loop; ready once it answers', async () => {
    // A port the store will answer on, found by starting it once and stopping it.
    const first = await startJongodb();
    await first.stop();
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const app = await startApp({ MONGO_URL: first.url, MONGO_DB: 'start-mongo', REDIS_URL: redis.url, OPEN_ROOMS: 'true' }, { until: 'starting' });
    const waiting = await untilReadyz(app, 503);
    expect(waiting.checks.mongo).toMatch(/^(connecting|unreachable: )/);
    expect(await healthz(app)).toBe(200);
    await until(() => app.output.some((l) => /mongo cannot be opened at start: retrying/.test(l)), 'the log line', 20_000);
    expect(app.child.exitCode).toBeNull();

    const mongo = await startJongodb({ port: portOf(first.url) });
    cleanups.push(() => mongo.stop());
    await until(() => app.output.some((l) => l === `listening on ${app.url}`), 'listening on the same port', 30_000);
    expect(await untilReadyz(app, 200)).toMatchObject({ ready: true, checks: { mongo: 'ok', redis: 'ok' } });
  }, 60_000);

  it('[OPS3] SIGTERM: unready first while still serving, then sockets closed with ServiceRestart (1012) and the session lease released at once, not after its ttl', async () => {
    const apps = await sharedProcesses(JONGODB_LANE, 2, 'ready-sigterm', { SHUTDOWN_DRAIN_MS: '1500' });
    const [a, b] = [apps[0]!, apps[1]!];
    const { token, sessionId } = await gmSession(a.url);
    // Sequenced on A: A holds the session's lease.
    expect((await submit(a.url, sessionId, token, [chat('on a')])).body).toEqual([expect.objectContaining({ success: true, sequence: 1 })]);
    const redis = await connectRedis(apps.redis.url, { onError: () => {} });
    cleanups.push(() => redis.close());
    const leaseKey = `dl:lease:${sessionId}`;
    expect(await redis.get(leaseKey)).not.toBeNull();

    const table = provider(a.url, `sessions/${sessionId}/table`, token);
    await until(() => table.synced, 'sync');
    const closes: number[] = [];
    table.on('connection-close', (event) => {
      if (event !== null) closes.push(event.code);
    });
    const exited = a.stop('SIGTERM');
    const draining = await untilReadyz(a, 503, 1000);
    expect(draining).toEqual({ ready: false, checks: { mongo: 'ok', redis: 'ok', leases: 'ok', accepting: 'shutting down' }, error: 'accepting: shutting down' });
    // Still serving while the balancer takes it out.
    expect(await healthz(a)).toBe(200);
    expect(table.wsconnected).toBe(true);
    expect(closes).toEqual([]);

    await until(() => closes.length > 0, 'the socket closed');
    expect(closes[0]).toBe(1012);
    expect(await exited).toBe(0);
    // Released by A on its way out: the key is gone now, long before the 3 s ttl of A's last renewal would end.
    expect(await redis.get(leaseKey)).toBeNull();
    expect((await submit(b.url, sessionId, token, [chat('on b')])).body).toEqual([expect.objectContaining({ success: true, sequence: 2 })]);
  });
});
