/**
 * [RB6] The whole HTTP and upgrade surface under random requests over raw
 * TCP, against a real server on LevelDB that also serves a web app: the
 * server never dies, never answers 5xx, answers every error as `{ error }`
 * without a stack trace, never serves a file from outside the app's
 * directory, and a session it held before — members, events, checkpoint,
 * table document, image — reads back byte for byte the same through the API
 * and the store. Seeded: the seed and a one-line reproduction are printed;
 * FUZZ_RUNS=N for a long run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createIntent } from '@dungeon-lab/events';
import { createHash } from 'node:crypto';
import { jpegImage, pngImage, sendRaw } from '@dungeon-lab/testing';
import { answerProblem, fuzzRequest, fuzzSettings, type FuzzWorld } from '@dungeon-lab/testing/http-fuzz';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEFAULT_LIMITS } from '../src/index.ts';
import { connectProvider, type RunningServer, startServer, synced, tempDir, waitFor } from './helpers.ts';
import { createSessionViaApi, testToken } from './test-identity.ts';

const { seed, runs, reproduce } = fuzzSettings(process.env, { seed: 20_251_205, runs: 4_000 }, 'packages/server/test/http-fuzz.test.ts');
const SECRET = 'SECRET-BESIDE-THE-WEB-ROOT';
const MAX_BODY = 64 * 1024;
const MAX_ASSET = 256 * 1024;
const KEPT_IMAGE = jpegImage(1024, 768);
const KEPT_HASH = createHash('sha256').update(KEPT_IMAGE).digest('hex');

let running: RunningServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let kept: string;

async function call(method: string, path: string, user: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${testToken(user)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

async function uploadImage(sessionId: string, user: string, image: Uint8Array<ArrayBuffer>, type: string): Promise<number> {
  const res = await fetch(`${running.url}/api/sessions/${sessionId}/assets`, { method: 'POST', headers: { authorization: `Bearer ${testToken(user)}`, 'content-type': type }, body: image });
  await res.arrayBuffer();
  return res.status;
}

/** Everything about the kept session, as the API and as the store answer it. */
async function snapshot(): Promise<string> {
  const api: Record<string, string> = {};
  for (const path of ['', '/members', '/events?from=1&limit=1000', '/state', '/checkpoints', `/assets/${KEPT_HASH}`]) {
    const res = await call('GET', `/api/sessions/${kept}${path}`, 'gm-keeper');
    expect(res.status, path).toBe(200);
    api[path] = res.text;
  }
  const { store } = running;
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const doc = new Y.Doc();
  for (const row of (await store.loadDoc(`sessions/${kept}/table`)).rows) Y.applyUpdate(doc, row.data);
  return JSON.stringify({
    api,
    session: await store.getSession(kept),
    members: (await store.listMembers(kept)).sort((a, b) => a.userId.localeCompare(b.userId)),
    events: (await store.readEvents(kept, 1, 1000)).map((e) => [e.sequence, e.id, hex(e.data)]),
    checkpoints: (await store.listCheckpoints(kept)).map((c) => [c.id, hex(c.data)]).sort(),
    table: hex(Y.encodeStateAsUpdate(doc)),
    listed: [await store.listSessionsOf('gm-keeper', 10), await store.listSessionsOf('pat', 10)],
    image: [await store.assetInfo(kept, KEPT_HASH), await store.sessionAssetBytes(kept)],
  });
}

beforeAll(async () => {
  dir = await tempDir('dl-http-fuzz-');
  const webRoot = join(dir.path, 'web');
  await mkdir(join(webRoot, 'assets'), { recursive: true });
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(webRoot, 'assets', 'app-abc123.js'), 'export {}');
  await writeFile(join(dir.path, 'secret.txt'), SECRET);
  running = await startServer({ openRooms: false, checksumIntervalMs: 0, web: { root: webRoot }, eventLog: { maxHttpBodyBytes: MAX_BODY }, assets: { maxBytes: MAX_ASSET } });

  // The session that must come through untouched: a GM, a player, a table, events and a checkpoint.
  kept = await createSessionViaApi(running.url, 'gm-keeper');
  const code = JSON.parse((await call('GET', `/api/sessions/${kept}`, 'gm-keeper')).text) as { joinCode: string };
  expect((await call('POST', `/api/sessions/${kept}/join`, 'pat', { joinCode: code.joinCode })).status).toBe(200);
  const table = connectProvider(running.wsUrl, `sessions/${kept}/table`, new Y.Doc(), { user: 'gm-keeper' });
  await synced(table);
  table.doc.getMap('scene').set('name', 'the crypt');
  table.doc.getMap('tokens').set('t1', { x: 1, y: 2 });
  await waitFor(() => table.synced && running.server.metrics().unsavedUpdates === 0, 10_000, 'the table stored');
  table.destroy();
  const chat = (text: string) => createIntent('chat:message', { text });
  expect((await call('POST', `/api/sessions/${kept}/events`, 'pat', [chat('one'), chat('two')])).status).toBe(200);
  expect((await call('POST', `/api/sessions/${kept}/checkpoint`, 'gm-keeper', { name: 'before' })).status).toBe(201);
  expect(await uploadImage(kept, 'gm-keeper', KEPT_IMAGE, 'image/jpeg')).toBe(201);
}, 30_000);

afterAll(async () => {
  await running?.dispose();
  await dir?.remove();
});

describe('HTTP fuzz', () => {
  it(`[RB6] ${runs} random requests and upgrades over raw TCP: no 5xx, errors as { error } without traces, nothing outside the web root, the process up, the kept session byte-exact`, async () => {
    const fuzzed = await createSessionViaApi(running.url, 'gm-fuzz');
    const fuzzCode = JSON.parse((await call('GET', `/api/sessions/${fuzzed}`, 'gm-fuzz')).text) as { joinCode: string };
    expect((await call('POST', `/api/sessions/${fuzzed}/join`, 'fuzzy', { joinCode: fuzzCode.joinCode })).status).toBe(200);
    const fuzzImage = pngImage(32, 32);
    expect(await uploadImage(fuzzed, 'gm-fuzz', fuzzImage, 'image/png')).toBe(201);
    const world: FuzzWorld = {
      sessionIds: [kept, fuzzed, fuzzed, 'NoSuchSession000', 'bad%20id', '..'],
      // Valid for the fuzz session's GM and player, for a stranger, expired, and not tokens at all.
      tokens: [testToken('gm-fuzz'), testToken('fuzzy'), testToken('stranger'), testToken('gm-fuzz', -120), 'garbage', 'a.b.c', ''],
      userIds: ['gm-keeper', 'pat', 'gm-fuzz', 'fuzzy', 'x%2Fy'],
      maxBodyBytes: MAX_BODY,
      maxAssetBytes: MAX_ASSET,
      // The kept session's image, which the fuzz's tokens may not read, and the fuzz session's own.
      assetHashes: [KEPT_HASH, createHash('sha256').update(fuzzImage).digest('hex')],
      maxPendingUpgradeBytes: DEFAULT_LIMITS.maxPendingUpgradeBytes,
    };
    const imagesBefore = await running.store.sessionAssetBytes(fuzzed);
    const before = await snapshot();
    console.log(`http fuzz seed ${seed}, ${runs} runs; reproduce: ${reproduce}`);
    const statuses = new Map<number, number>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fuzzRequest(world), async (request) => {
        const answer = await sendRaw(running.url, request.parts, request.truncated ? 150 : 5_000);
        if (answer !== null) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const problem = answerProblem(request, answer, world) ?? (answer?.body.includes(SECRET) ? 'served a file from outside the web root' : null);
        if (problem !== null) throw new Error(`${problem}\nrequest: ${request.summary}`);
      }),
      { seed, numRuns: runs, endOnFailure: true },
    );
    console.log(`http fuzz: ${runs} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    expect(await snapshot()).toBe(before);
    // The fuzz reached the handlers, not only the parser: successes, refusals and upgrades all happened.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([101, 200, 400, 401, 403, 404, 405, 413]));
    // …the image routes' handlers too: a long run uploads images of its own (a short one may not).
    if (runs >= 1_000) expect(await running.store.sessionAssetBytes(fuzzed)).toBeGreaterThan(imagesBefore);
  }, Math.max(120_000, runs * 25));
});
