import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLE_DOC_SCHEMA, applyPatchToDoc, createIntent } from '@dungeon-lab/events';
import { goblin, thorin } from '@dungeon-lab/plugin-dnd5e/fixtures';
import { isErrorBody, seededRandom, sendRaw, UPGRADE_HEADERS } from '@dungeon-lab/testing';
import { createMongoStore } from '@dungeon-lab/store-mongo';
import { scrapeMetrics } from '@dungeon-lab/testing/prometheus-text';
import { startRedis } from '@dungeon-lab/testing/redis-server';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

import {
  type Ack,
  type App,
  cleanups,
  databaseName,
  gmSession,
  main,
  MONGO_LANES,
  post,
  provider,
  sharedProcesses,
  startApp,
  submit,
  testRedis,
  until,
  useDeployment,
} from './deployment.ts';

// The tests run what `npm start` runs: the bundle of src/main.ts on plain Node.
useDeployment();

/**
 * Starts the app on `env`, has a GM's session's table take `tokens` edits,
 * stops it with SIGTERM (exit 0) and starts it again on `env`: the signing
 * key, the session, its GM and the room were kept, so the old token opens the
 * room and every edit is there. Answers the running app's URL, the token and
 * the session.
 */
async function tableSurvivesRestart(env: Record<string, string>, tokens: number): Promise<{ url: string; token: string; sessionId: string }> {
  const app = await startApp(env);
  expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${app.url}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ ok: true });

  const { token, sessionId } = await gmSession(app.url);
  const room = `sessions/${sessionId}/table`;
  const writer = provider(app.url, room, token);
  await until(() => writer.synced, 'sync');
  for (let i = 0; i < tokens; i++) writer.doc.getMap('tokens').set(`t${i}`, { x: i });
  const probe = provider(app.url, room, token);
  await until(() => probe.synced && probe.doc.getMap('tokens').size === tokens, 'server applied edits');
  expect(await app.stop('SIGTERM')).toBe(0);

  const again = await startApp(env);
  const reader = provider(again.url, room, token);
  await until(() => reader.synced, 'sync after restart');
  expect(reader.doc.getMap('tokens').size).toBe(tokens);
  return { url: again.url, token, sessionId };
}

describe('apps/server', () => {
  it('prints its URL, answers /healthz, and flushes every room on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await tableSurvivesRestart({ DATA_DIR: dataDir }, 50);
  });

  it('gives the dead buffers of a big push back once the loop is quiet, unless MEMORY_RECLAIM_MB=off', async () => {
    const MB = 1024 * 1024;
    const deadAfterPush = async (env: Record<string, string>): Promise<number[]> => {
      const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const app = await startApp({ DATA_DIR: dataDir, OPEN_ROOMS: 'true', ...env });
      const login = await post<{ token: string }>(`${app.url}/api/dev/login`, { name: 'archivist' });
      const p = provider(app.url, 'archive', login.body.token);
      await until(() => p.synced, 'sync');
      // Four 3 MB edits: their frames, their stored rows and the snapshots that merge them die once stored.
      for (let i = 0; i < 4; i++) p.doc.getText('log').insert(0, String(i).repeat(3 * MB));
      const metrics = async () => (await (await fetch(`${app.url}/metrics.json`)).json()) as { unsavedUpdates: number; memory: { arrayBuffers: number } };
      await until(() => p.ws?.bufferedAmount === 0, 'push sent', 30_000);
      for (let stored = 0; stored < 3; ) {
        await new Promise((r) => setTimeout(r, 100));
        stored = (await metrics()).unsavedUpdates === 0 ? stored + 1 : 0;
      }
      const samples: number[] = [];
      for (let i = 0; i < 30; i++) {
        samples.push((await metrics()).memory.arrayBuffers / MB);
        await new Promise((r) => setTimeout(r, 100));
      }
      return samples;
    };
    // Below V8's own trigger (64 MB of new buffers) the dead ones stay unless the server collects them.
    const kept = await deadAfterPush({ MEMORY_RECLAIM_MB: 'off' });
    expect(Math.min(...kept)).toBeGreaterThan(20);
    const reclaimed = await deadAfterPush({ MEMORY_RECLAIM_MB: '8' });
    expect(Math.min(...reclaimed)).toBeLessThan(4);
  }, 60_000);

  it('refuses invalid configuration with exit code 2 and a readable message', async () => {
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT must be an integer/);
  });

  it('verifies tokens of the issuer configured in AUTH_* and answers 404 to dev login', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const app = await startApp({
      DATA_DIR: dataDir,
      AUTH_ISSUER: 'https://id.test/',
      AUTH_AUDIENCE: 'dungeon-lab',
      AUTH_PUBLIC_KEY: pem.replace(/\n/g, '\\n'),
      OPEN_ROOMS: 'true',
    });
    expect((await post(`${app.url}/api/dev/login`, { name: 'x' })).status).toBe(404);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('idp|42')
      .setIssuer('https://id.test/')
      .setAudience('dungeon-lab')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await post(`${app.url}/api/sessions`, { name: 'prod' }, token)).status).toBe(201);
    const p = provider(app.url, 'lobby', token);
    await until(() => p.synced, 'sync of an open room');
  });

  it('refuses a half-configured production auth with exit code 2', async () => {
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, PORT: '0', AUTH_ISSUER: 'https://id.test/' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/AUTH_AUDIENCE/);
  });

  it('[MP3][OPS5] refuses a REDIS_URL, MONGO_URL or MONGO_DB it cannot use, with exit code 2', async () => {
    const refused = [
      [{ REDIS_URL: '127.0.0.1:6379' }, /^configuration error: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
      [{ MONGO_URL: 'http://127.0.0.1:27017' }, /^configuration error: MONGO_URL must be a connection string starting with mongodb:\/\//],
      [{ MONGO_URL: 'mongodb://127.0.0.1:27017', MONGO_DB: 'a.b' }, /^configuration error: MONGO_DB must be a MongoDB database name/],
      // [OPS5] Malformed past the scheme: refused at start, naming the variable, never a crash loop once connecting.
      [{ REDIS_URL: 'redis://127.0.0.1:99999' }, /^configuration error: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL .*: it does not parse as a URL/],
      [{ REDIS_URL: 'redis://127.0.0.1:6379/zero' }, /^configuration error: REDIS_URL must be .*: the path must be a database number/],
      [{ MONGO_URL: 'mongodb://user:p@ss@127.0.0.1' }, /^configuration error: MONGO_URL must be a MongoDB connection string .*: Invalid connection string/],
      [{ MONGO_URL: 'mongodb://127.0.0.1:70000' }, /^configuration error: MONGO_URL must be a MongoDB connection string .*: port 70000 is over 65535/],
    ] as const;
    for (const [env, message] of refused) {
      const child = spawn(process.execPath, [main], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      child.stderr!.on('data', (d) => (stderr += String(d)));
      child.stdout!.on('data', (d) => (stdout += String(d)));
      expect(await new Promise<number | null>((resolve) => child.once('exit', resolve)), JSON.stringify(env)).toBe(2);
      expect(stderr).toMatch(message);
      expect(stdout).not.toMatch(/listening/);
    }
  });

  it('[MP3][MP1] REDIS_URL: two processes on one Redis — a stock y-websocket client on one sees edits and presence made on the other', async () => {
    // Nothing here kills Redis, so a REDIS_URL given to the tests serves as well as one of their own.
    let redisUrl = process.env.REDIS_URL ?? '';
    if (redisUrl === '') {
      const redis = await startRedis();
      cleanups.push(() => redis.stop());
      redisUrl = redis.url;
    }
    // Each process has its own embedded store (LevelDB takes one process at a time): rooms outside sessions, whose changes only the bus carries; a store both share is MONGO_URL's.
    const apps = [];
    for (let i = 0; i < 2; i++) {
      const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      apps.push(await startApp({ DATA_DIR: dataDir, REDIS_URL: redisUrl, OPEN_ROOMS: 'true' }));
    }
    const [a, b] = apps as [App, App];
    const onA = provider(a.url, 'tavern', (await post<{ token: string }>(`${a.url}/api/dev/login`, { name: 'alice' })).body.token);
    const onB = provider(b.url, 'tavern', (await post<{ token: string }>(`${b.url}/api/dev/login`, { name: 'bob' })).body.token);
    await until(() => onA.synced && onB.synced, 'both synced');
    onB.doc.getMap('tokens').set('goblin', { x: 4, y: 2 });
    await until(() => onA.doc.getMap('tokens').get('goblin') !== undefined, 'B\'s edit at A');
    expect(onA.doc.getMap('tokens').get('goblin')).toEqual({ x: 4, y: 2 });
    onA.doc.getArray('chat').push(['hello from A']);
    await until(() => onB.doc.getArray('chat').length === 1, 'A\'s edit at B');
    onA.awareness.setLocalStateField('cursor', { x: 7 });
    await until(() => [...onB.awareness.getStates().values()].some((s) => (s as { cursor?: { x: number } }).cursor?.x === 7), 'A\'s presence at B');
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(await b.stop('SIGTERM')).toBe(0);
  });

});

/** The multi-process suites, on each store lane ([MP3]). */
for (const lane of MONGO_LANES) {
  describe(`apps/server on ${lane.label}`, () => {
    it.skipIf(lane.skip !== null)(
      `[MP3] ${lane.label}: with MONGO_URL the app keeps sessions and rooms in that database, not in DATA_DIR, across a restart${lane.skip === null ? '' : ` (skipped: ${lane.skip})`}`,
      async () => {
        const mongoUrl = (await lane.open()).url;
        const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
        cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
        const { url, token, sessionId } = await tableSurvivesRestart({ MONGO_URL: mongoUrl, MONGO_DB: databaseName('app-test'), DATA_DIR: dataDir }, 20);
        // Nothing went to the embedded store.
        expect(await readdir(dataDir)).toEqual([]);
        const sessions = await fetch(`${url}/api/sessions`, { headers: { authorization: `Bearer ${token}` } });
        expect(JSON.stringify(await sessions.json())).toContain(sessionId);
      },
      120_000,
    );

    it.skipIf(lane.skip !== null)(
      `[MP1][IN1][EL1] ${lane.label} + Redis: three processes — stock y-websocket clients spread over them converge on random concurrent edits, and intents sent to all three get one gap-free order, each applied once${lane.skip === null ? '' : ` (skipped: ${lane.skip})`}`,
      async () => {
        const apps = await sharedProcesses(lane, 3, 'three-processes');
        const { token, sessionId } = await gmSession(apps[0]!.url);

        // Free edits: two clients on each process, each making 40 random changes at random moments.
        const seed = 20261206;
        const rand = seededRandom(seed);
        const clients = apps.flatMap((app) => [provider(app.url, 'open/three', token), provider(app.url, 'open/three', token)]);
        await until(() => clients.every((c) => c.synced), 'every client synced');
        await Promise.all(
          clients.map(async (c, n) => {
            for (let i = 0; i < 40; i++) {
              await new Promise((r) => setTimeout(r, Math.floor(rand() * 15)));
              const tokens = c.doc.getMap('tokens');
              const pick = rand();
              if (pick < 0.5) tokens.set(`t${Math.floor(rand() * 12)}`, { x: Math.floor(rand() * 30), y: Math.floor(rand() * 20), by: n });
              else if (pick < 0.65) tokens.delete(`t${Math.floor(rand() * 12)}`);
              else c.doc.getArray('chat').push([`${n}:${i}`]);
            }
          }),
        );
        // Keys in one order: a map's entries come out in the order each client learnt of them.
        const content = (c: WebsocketProvider) => JSON.stringify({ tokens: Object.entries(c.doc.getMap('tokens').toJSON()).sort(([a], [b]) => a.localeCompare(b)), chat: c.doc.getArray('chat').toJSON() });
        await until(() => clients.every((c) => content(c) === content(clients[0]!)), `all six clients converge (seed ${seed})`, 20_000);
        expect(clients[0]!.doc.getArray('chat').length).toBeGreaterThan(0);
        // A late joiner on each process loads the same document.
        for (const app of apps) {
          const late = provider(app.url, 'open/three', token);
          await until(() => late.synced && content(late) === content(clients[0]!), `a late joiner at ${app.url}`);
        }

        // Intents: 30 from each process at once; the lease holder orders them all.
        const batches = apps.map((app, p) => ({ app, intents: Array.from({ length: 30 }, (_, i) => createIntent('chat:message', { text: `p${p} #${i}` })) }));
        const answers = await Promise.all(batches.map(async ({ app, intents }) => {
          const acks: Ack[] = [];
          for (let i = 0; i < intents.length; i += 5) acks.push(...(await submit(app.url, sessionId, token, intents.slice(i, i + 5))).body);
          return acks;
        }));
        const acks = answers.flat();
        expect(acks.every((a) => a.success)).toBe(true);
        const sequences = acks.map((a) => a.sequence!).sort((a, b) => a - b);
        expect(sequences).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
        // A resend through another process is answered from the log, not applied again.
        const again = await submit(apps[2]!.url, sessionId, token, [batches[0]!.intents[0]]);
        expect(again.body).toEqual([expect.objectContaining({ success: true, sequence: answers[0]![0]!.sequence })]);
        // Every process reads the same log: 90 entries, each intent once.
        for (const app of apps) {
          const res = await fetch(`${app.url}/api/sessions/${sessionId}/events?from=1&limit=200`, { headers: { authorization: `Bearer ${token}` } });
          const page = (await res.json()) as { events: Array<{ id: string; sequence: number }> };
          expect(page.events.map((e) => e.sequence)).toEqual(sequences);
          expect(new Set(page.events.map((e) => e.id)).size).toBe(90);
        }
        // And every table has the 90 lines once each.
        const table = provider(apps[1]!.url, `sessions/${sessionId}/table`, token);
        await until(() => table.synced && table.doc.getArray('chat').length === 90, 'the 90 chat lines in the table');
        for (const app of apps) expect(await app.stop('SIGTERM')).toBe(0);
      },
      120_000,
    );

    it.skipIf(lane.skip !== null)(
      `[EL19][IN2][RS7] ${lane.label} + Redis: the lease holder SIGKILLed in the middle of a stream of intents from three processes — another takes over, and every intent is applied exactly once in one gap-free order${lane.skip === null ? '' : ` (skipped: ${lane.skip})`}`,
      async () => {
        const apps = await sharedProcesses(lane, 3, 'holder-killed');
        const { token, sessionId } = await gmSession(apps[0]!.url);
        // A holds the session's lease from the first intent on.
        expect((await submit(apps[0]!.url, sessionId, token, [createIntent('chat:message', { text: 'start' })])).body[0]).toMatchObject({ sequence: 1 });
        const acked = new Map<string, number>();
        const ackTimes: number[] = [];
        /** One client per process: intents one by one, each resent (same id) until acked, as SessionClient does. */
        const stream = async (app: App, p: number, count: number, onProgress?: (n: number) => void) => {
          const others = apps.filter((x) => x !== app && x !== apps[0]);
          for (let i = 0; i < count; i++) {
            const intent = createIntent('chat:message', { text: `p${p} #${i}` });
            for (let target = app; ; ) {
              const answer = await submit(target.url, sessionId, token, [intent]).catch(() => null);
              if (answer?.status === 200) {
                expect(answer.body[0]).toMatchObject({ id: intent.id, success: true });
                acked.set(intent.id, answer.body[0]!.sequence!);
                ackTimes.push(Date.now());
                break;
              }
              // The process this client was on died: it reconnects to another, as a load balancer would send it.
              if (answer === null) target = others[0]!;
              await new Promise((r) => setTimeout(r, 50));
            }
            onProgress?.(i);
          }
        };
        let killedAt = 0;
        await Promise.all([
          stream(apps[0]!, 0, 20, (n) => {
            if (n === 9) {
              killedAt = Date.now();
              void apps[0]!.stop('SIGKILL');
            }
          }),
          stream(apps[1]!, 1, 40),
          stream(apps[2]!, 2, 40),
        ]);
        // The longest time without any ack, from the kill on: how long the session went unsequenced.
        const after = [killedAt, ...ackTimes.filter((t) => t >= killedAt).sort((a, b) => a - b)];
        const stall = Math.max(...after.slice(1).map((t, i) => t - after[i]!));
        console.log(`holder SIGKILLed mid-stream: no ack for ${stall} ms at most, the last one ${Math.max(...ackTimes) - killedAt} ms after the kill`);
        expect(stall).toBeLessThan(5_000);
        // Every acknowledged intent is in the log once; the log has no gaps and nothing else.
        const res = await fetch(`${apps[1]!.url}/api/sessions/${sessionId}/events?from=1&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
        const events = ((await res.json()) as { events: Array<{ id: string; sequence: number }> }).events;
        expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
        expect(acked.size).toBe(100);
        for (const [id, sequence] of acked) expect(events.find((e) => e.id === id)?.sequence).toBe(sequence);
        // The table holds each line once.
        const table = provider(apps[2]!.url, `sessions/${sessionId}/table`, token);
        await until(() => table.synced && table.doc.getArray('chat').length === 101, 'every line once in the table');
      },
      120_000,
    );

    it.skipIf(lane.skip !== null)(
      `[RS6][MP1] ${lane.label} + Redis: Redis killed and restarted (AOF) while clients on two processes write — nothing they wrote is lost, and the processes carry on without a restart${lane.skip === null ? '' : ` (skipped: ${lane.skip})`}`,
      async () => {
        const apps = await sharedProcesses(lane, 2, 'redis-restart');
        const { token, sessionId } = await gmSession(apps[0]!.url);
        const [onA, onB] = [provider(apps[0]!.url, 'open/restart', token), provider(apps[1]!.url, 'open/restart', token)];
        await until(() => onA.synced && onB.synced, 'both synced');
        let writing = true;
        const write = async (c: WebsocketProvider, name: string) => {
          for (let i = 0; writing; i++) {
            c.doc.getArray('chat').push([`${name} ${i}`]);
            await new Promise((r) => setTimeout(r, 20));
          }
        };
        const writers = Promise.all([write(onA, 'a'), write(onB, 'b')]);
        await new Promise((r) => setTimeout(r, 500));
        await apps.redis.kill('SIGKILL');
        await new Promise((r) => setTimeout(r, 500));
        await apps.redis.restart();
        await new Promise((r) => setTimeout(r, 500));
        writing = false;
        await writers;
        const lines = (c: WebsocketProvider) => JSON.stringify([...c.doc.getArray('chat').toArray()].sort());
        // Both clients end with every line either wrote: what crossed through Redis, and what each process stored.
        await until(() => lines(onA) === lines(onB), 'the two clients converge after the restart', 20_000);
        const written = onA.doc.getArray('chat').length;
        expect(written).toBeGreaterThan(50);
        // A fresh client on either process loads all of it from the store.
        for (const app of apps) {
          const fresh = provider(app.url, 'open/restart', token);
          await until(() => fresh.synced && lines(fresh) === lines(onA), `a fresh client at ${app.url}`);
        }
        // Edits and intents still cross and get sequenced, with no process restarted.
        onB.doc.getMap('tokens').set('after', { x: 1, y: 1 });
        await until(() => onA.doc.getMap('tokens').has('after'), 'an edit after the restart crosses');
        for (const app of apps) expect((await submit(app.url, sessionId, token, [createIntent('chat:message', { text: app.url })])).body[0]).toMatchObject({ success: true });
      },
      120_000,
    );

    it.skipIf(lane.skip !== null)(
      `[OR3][MP1] ${lane.label} + Redis: a process SIGKILLed while it writes a document — every edit any client made ends in the store exactly once, the unstored ones stored by the process that survived${lane.skip === null ? '' : ` (skipped: ${lane.skip})`}`,
      async () => {
        const apps = await sharedProcesses(lane, 2, 'killed-writing');
        const [a, b] = [apps[0]!, apps[1]!];
        const { token } = await gmSession(a.url);
        const room = 'open/killed-writing';
        const watcher = provider(b.url, room, token);
        const writers = [provider(a.url, room, token), provider(a.url, room, token)];
        await until(() => watcher.synced && writers.every((w) => w.synced), 'all synced');
        // Two clients on A push moves without pause, so A always has a write published to B and not yet stored.
        let writing = true;
        const pushed = [0, 0];
        const write = async (w: WebsocketProvider, n: number) => {
          while (writing) {
            w.doc.getArray('moves').push([`${n}:${pushed[n]!++}`]);
            await new Promise((r) => setTimeout(r, 3));
          }
        };
        const writing$ = Promise.all(writers.map(write));
        await until(() => watcher.doc.getArray('moves').length > 200, 'moves flowing to B');
        await a.stop('SIGKILL');
        writing = false;
        await writing$;
        // The writers reconnect to B, as a load balancer would send them: their docs carry every move they made.
        const moved = writers.map((w) => {
          w.destroy();
          return provider(b.url, room, token);
        });
        for (const [n, w] of moved.entries()) Y.applyUpdate(w.doc, Y.encodeStateAsUpdate(writers[n]!.doc));
        const all = pushed[0]! + pushed[1]!;
        await until(() => [watcher, ...moved].every((c) => c.doc.getArray('moves').length === all), `every client with all ${all} moves`, 20_000);
        // The store ends with every move once: what A stored, what the writers resent to B, and what B adopted ([OR3]).
        const store = await createMongoStore({ url: apps.mongo.url, dbName: apps.mongo.db });
        cleanups.push(() => store.close());
        const stored = async () => {
          const doc = new Y.Doc();
          for (const row of (await store.loadDoc(room)).rows) Y.applyUpdate(doc, row.data);
          return doc.getArray<string>('moves').toArray();
        };
        const startedWaiting = Date.now();
        let moves = await stored();
        while (moves.length < all && Date.now() - startedWaiting < 15_000) {
          await new Promise((r) => setTimeout(r, 200));
          moves = await stored();
        }
        console.log(`SIGKILL while writing: ${all} moves; the store had ${moves.length} of them ${Date.now() - startedWaiting} ms after every client had them all`);
        expect(moves).toHaveLength(all);
        expect(new Set(moves).size).toBe(all);
        const kept = new Set(moves);
        for (const n of [0, 1]) for (let i = 0; i < pushed[n]!; i++) expect(kept.has(`${n}:${i}`)).toBe(true);
      },
      120_000,
    );

    it.skipIf(lane.skip !== null)(
      `[OM11] ${lane.label} and REDIS_URL: /metrics reports both backends up and times their commands; a Redis gone is down at the next scrape${lane.skip === null ? '' : ` (skipped: ${lane.skip})`}`,
      async () => {
        const apps = await sharedProcesses(lane, 1, 'dl-metrics');
        const url = apps[0]!.url;
        const { token, sessionId } = await gmSession(url);
        expect((await submit(url, sessionId, token, [createIntent('chat:message', { text: 'timed' })])).body[0]).toMatchObject({ success: true });
        let s = await scrapeMetrics(`${url}/metrics`);
        expect(s.value('dungeonlab_backend_up', { backend: 'mongo' })).toBe(1);
        expect(s.value('dungeonlab_backend_up', { backend: 'redis' })).toBe(1);
        const timed = (backend: string) => s.all('dungeonlab_backend_command_duration_seconds_count', { backend, outcome: 'ok' }).reduce((n, x) => n + x.value, 0);
        expect(timed('mongo')).toBeGreaterThan(0);
        // The intent took the session's lease: an EVAL.
        expect(s.value('dungeonlab_backend_command_duration_seconds_count', { backend: 'redis', command: 'EVAL', outcome: 'ok' })).toBeGreaterThan(0);
        expect(s.value('dungeonlab_session_leases_held')).toBe(1);
        await apps.redis.stop();
        s = await scrapeMetrics(`${url}/metrics`);
        expect(s.value('dungeonlab_backend_up', { backend: 'redis' })).toBe(0);
        expect(s.value('dungeonlab_backend_up', { backend: 'mongo' })).toBe(1);
      },
    );

    it.skipIf(lane.skip !== null)(
      `[MP3][IN1][RS7] ${lane.label} + Redis: two processes share a session — an intent sent to the one without the lease is sequenced by the holder; after the holder's SIGKILL the other takes over${lane.skip === null ? '' : ` (skipped: ${lane.skip})`}`,
      async () => {
        const mongoUrl = (await lane.open()).url;
        const redis = await testRedis();
        const env = { MONGO_URL: mongoUrl, MONGO_DB: databaseName('two-processes'), REDIS_URL: redis.url };
        const a = await startApp(env);
        const b = await startApp(env);
        const { token, sessionId } = await gmSession(a.url);
        const chat = (text: string) => createIntent('chat:message', { text });
        // A sequences the session from its first intent on.
        expect((await submit(a.url, sessionId, token, [chat('one')])).body).toEqual([expect.objectContaining({ success: true, sequence: 1 })]);
        // B has no lease: the intent goes to A through Redis and A's ack comes back.
        expect((await submit(b.url, sessionId, token, [chat('two')])).body).toEqual([expect.objectContaining({ success: true, sequence: 2 })]);
        const onB = provider(b.url, `sessions/${sessionId}/table`, token);
        await until(() => onB.synced && onB.doc.getArray('chat').length === 2, 'both lines at B');
        // The holder dies without releasing its lease: B takes over once it expires (3 s), the client retrying meanwhile.
        await a.stop('SIGKILL');
        const killedAt = Date.now();
        let taken: Ack[] | null = null;
        const three = chat('three');
        while (taken === null && Date.now() - killedAt < 20_000) {
          const answer = await submit(b.url, sessionId, token, [three]);
          if (answer.status === 200) taken = answer.body;
        }
        const takeoverMs = Date.now() - killedAt;
        console.log(`takeover after the holder's SIGKILL: ${takeoverMs} ms`);
        expect(taken).toEqual([expect.objectContaining({ success: true, sequence: 3 })]);
        // The forward waits out the lease's ttl (3 s), then B takes the session over and answers it: within 5 s.
        expect(takeoverMs).toBeLessThan(5_000);
        await until(() => onB.doc.getArray('chat').length === 3, 'the third line at B');
      },
      120_000,
    );
  });
}

/** A GM's session whose table holds a goblin and its token, laid out over a y-websocket client as the GM's UI would. */
async function goblinTable(url: string): Promise<{ token: string; sessionId: string; table: WebsocketProvider }> {
  const { token, sessionId } = await gmSession(url);
  const table = provider(url, `sessions/${sessionId}/table`, token);
  await until(() => table.synced, 'sync');
  table.doc.transact(() => {
    applyPatchToDoc(table.doc, TABLE_DOC_SCHEMA, [
      { op: 'add', path: '/actors/goblin-1', value: goblin() },
      { op: 'add', path: '/actors/thorin', value: thorin() },
      { op: 'add', path: '/tokens/g1', value: { actorId: 'goblin-1', x: 3, y: 4 } },
    ]);
  });
  const probe = provider(url, `sessions/${sessionId}/table`, token);
  await until(() => probe.synced && probe.doc.getMap('actors').has('goblin-1'), 'the server has the table');
  return { token, sessionId, table };
}

function damage(targetId: string, amount: number) {
  return createIntent('plugin:dnd5e:damage', { targetId, amount, type: 'slashing' });
}

const hpOf = (table: WebsocketProvider, actor: string) =>
  ((table.doc.getMap('actors').get(actor) as Y.Map<unknown> | undefined)?.get('hp') as Y.Map<unknown> | undefined)?.get('value');

describe('apps/server: what ships', () => {
  it('[D10] D&D 5e is on by default: a GM\'s plugin:dnd5e:damage runs through the bundle and lowers the goblin\'s HP in the table', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const app = await startApp({ DATA_DIR: dataDir });
    const { token, sessionId, table } = await goblinTable(app.url);
    expect(hpOf(table, 'goblin-1')).toBe(7);
    const intent = damage('goblin-1', 3);
    expect(await submit(app.url, sessionId, token, [intent])).toEqual({ status: 200, body: [{ id: intent.id, success: true, sequence: 1 }] });
    await until(() => hpOf(table, 'goblin-1') === 4, 'the damage in the document');
    const state = await (await fetch(`${app.url}/api/sessions/${sessionId}/state`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(state).toMatchObject({ version: 1, state: { actors: { 'goblin-1': { hp: { value: 4, max: 7 } } } } });
  });

  it('[D10] GAME_SYSTEMS=none refuses plugin intents with unknown-type; an id the server does not ship exits with 2', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const app = await startApp({ DATA_DIR: dataDir, GAME_SYSTEMS: 'none' });
    const { token, sessionId, table } = await goblinTable(app.url);
    const intent = damage('goblin-1', 3);
    const answer = await submit(app.url, sessionId, token, [intent]);
    expect(answer).toMatchObject({ status: 200, body: [{ id: intent.id, success: false, reason: 'unknown-type' }] });
    expect(hpOf(table, 'goblin-1')).toBe(7);

    const child = spawn(process.execPath, [main], { env: { ...process.env, PORT: '0', GAME_SYSTEMS: 'dnd5e,pathfinder' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).toBe(2);
    expect(stderr).toMatch(/GAME_SYSTEMS: unknown game system "pathfinder"/);
  });

  it('[EM14] DICE_FIXED gives every die its draws in turn: 1d20+0 rolls 5, 20, 5 with draws 0.2 and 0.99', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const app = await startApp({ DATA_DIR: dataDir, DICE_FIXED: '0.2,0.99' });
    const { token, sessionId } = await goblinTable(app.url);
    const rolls = [createIntent('dice:roll', { notation: '1d20' }), createIntent('dice:roll', { notation: '1d20' }), createIntent('dice:roll', { notation: '1d20' })];
    const acks = (await submit(app.url, sessionId, token, rolls)).body;
    expect(acks.map((a) => a.success)).toEqual([true, true, true]);
    const state = await (await fetch(`${app.url}/api/sessions/${sessionId}/state`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect((state as { state: { dice: { total: number }[] } }).state.dice.map((d) => d.total)).toEqual([5, 20, 5]);
  });

  it('[EL11] INTENT_BURST and INTENTS_PER_SECOND set the per-user intent rate', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const app = await startApp({ DATA_DIR: dataDir, INTENT_BURST: '2', INTENTS_PER_SECOND: '0.01' });
    const { token, sessionId } = await goblinTable(app.url);
    const acks = (await submit(app.url, sessionId, token, [damage('goblin-1', 1), damage('goblin-1', 1), damage('goblin-1', 1)])).body;
    expect(acks.map((a) => (a.success ? 'ok' : a.reason))).toEqual(['ok', 'ok', 'rate-limited']);
  });

  it('[RB1][RB5] the issue\'s reproductions against the bundle: upgrades to //%00/, //[ and http://[bad are refused, the same as HTTP are 4xx {error}, and the process stays up', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const app = await startApp({ DATA_DIR: dataDir });
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${app.url.replace('http', 'ws')}//%00/`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('opened')));
      ws.once('error', () => undefined);
    });
    expect(refused).toBe(400);
    for (const target of ['//%00/', '//[', 'http://[bad']) {
      const upgrade = await sendRaw(app.url, `GET ${target} HTTP/1.1\r\n${UPGRADE_HEADERS}\r\n`);
      expect(upgrade?.status, target).toBeGreaterThanOrEqual(400);
      expect(upgrade?.status, target).toBeLessThan(500);
      const plain = await sendRaw(app.url, `GET ${target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
      expect(plain?.status, target).toBeGreaterThanOrEqual(400);
      expect(plain?.status, target).toBeLessThan(500);
      expect(isErrorBody(plain!.body), target).toBe(true);
    }
    const { token, sessionId } = await gmSession(app.url);
    for (const from of ['9007199254740993', '99999999999999999999999']) {
      const res = await fetch(`${app.url}/api/sessions/${sessionId}/events?from=${from}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, from).toBe(400);
    }
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('[WEB1] serves the app in WEB_ROOT; without one it serves the API only and warns once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const webRoot = join(dataDir, 'web');
    await mkdir(join(webRoot, 'assets'), { recursive: true });
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(webRoot, 'assets', 'app-abc123.js'), 'export {}');
    const app = await startApp({ DATA_DIR: join(dataDir, 'a'), WEB_ROOT: webRoot });
    const page = await fetch(`${app.url}/sessions/xyz`);
    expect([page.status, page.headers.get('cache-control'), await page.text()]).toEqual([200, 'no-cache', '<!doctype html><title>app</title>']);
    const asset = await fetch(`${app.url}/assets/app-abc123.js`);
    expect([asset.status, asset.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
    await asset.arrayBuffer();

    const bare = await startApp({ DATA_DIR: join(dataDir, 'b'), WEB_ROOT: join(dataDir, 'nowhere') });
    expect((await fetch(`${bare.url}/`)).status).toBe(404);
    expect((await fetch(`${bare.url}/healthz`)).status).toBe(200);
    expect(bare.output.filter((line) => line.includes('web app not found'))).toHaveLength(1);
  });
});
