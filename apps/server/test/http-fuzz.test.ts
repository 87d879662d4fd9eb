/**
 * [RB6] against what `npm start` runs: random requests and upgrades over raw
 * TCP at the bundle, in production auth with a test issuer (so expired
 * tokens can be made). The process is watched: if it exits, the test fails;
 * no answer is a 5xx, every error is `{ error }`. Seeded; FUZZ_SEED and
 * FUZZ_RUNS as in packages/server/test/http-fuzz.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { pngImage, sendRaw } from '@dungeon-lab/testing';
import { answerProblem, fuzzRequest, fuzzSettings, type FuzzWorld } from '@dungeon-lab/testing/http-fuzz';
import { watchProcess } from '@dungeon-lab/testing/process-watch';
import fc from 'fast-check';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundleNodeEntry } from '../scripts/bundle.mjs';

const { seed, runs, reproduce } = fuzzSettings(process.env, { seed: 20_251_206, runs: 1_500 }, 'apps/server/test/http-fuzz.test.ts');
const ISSUER = 'https://id.test/';
/** Small, so bodies past it cost the run little. */
const MAX_ASSET_BYTES = 256 * 1024;
const main = fileURLToPath(new URL('../dist/main.mjs', import.meta.url));
const cleanups: Array<() => Promise<unknown> | unknown> = [];
let url = '';
let sign: (sub: string, expiresIn: string | number) => Promise<string>;

beforeAll(async () => {
  await bundleNodeEntry(fileURLToPath(new URL('../src/main.ts', import.meta.url)), main);
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  sign = (sub, expiresIn) => new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject(sub).setIssuer(ISSUER).setAudience('dungeon-lab').setExpirationTime(expiresIn).sign(privateKey);
  const dataDir = await mkdtemp(join(tmpdir(), 'dl-app-fuzz-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'error',
      DATA_DIR: dataDir,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: 'dungeon-lab',
      AUTH_PUBLIC_KEY: (await exportSPKI(publicKey)).replace(/\n/g, '\\n'),
      // One address sends every request: the per-address limits would answer most of them 429 before anything else ran.
      MAX_CONNECTIONS_PER_IP: 'off',
      UPGRADES_PER_SECOND_PER_IP: 'off',
      UPGRADES_PER_SECOND_PER_USER: 'off',
      MAX_ASSET_BYTES: String(MAX_ASSET_BYTES),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const watched = watchProcess(child, () => 'the bundle under fuzz');
  cleanups.push(async () => {
    watched.expectExit();
    child.kill('SIGTERM');
    await exited;
  });
  url = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
}, 30_000);

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function createSession(token: string): Promise<{ id: string; joinCode: string }> {
  const res = await fetch(`${url}/api/sessions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"name":"fuzz"}' });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; joinCode: string };
}

it(`[RB6] the bundle under ${runs} random requests and upgrades: it stays up, never answers 5xx, every error is { error }`, async () => {
  const gm = await sign('gm-fuzz', '1h');
  const player = await sign('fuzzy', '1h');
  const session = await createSession(gm);
  await fetch(`${url}/api/sessions/${session.id}/join`, { method: 'POST', headers: { authorization: `Bearer ${player}`, 'content-type': 'application/json' }, body: JSON.stringify({ joinCode: session.joinCode }) });
  const image = pngImage(16, 16);
  const uploaded = await fetch(`${url}/api/sessions/${session.id}/assets`, { method: 'POST', headers: { authorization: `Bearer ${gm}`, 'content-type': 'image/png' }, body: image });
  expect(uploaded.status).toBe(201);
  const world: FuzzWorld = {
    sessionIds: [session.id, session.id, 'NoSuchSession000', 'bad%20id'],
    tokens: [gm, player, await sign('stranger', '1h'), await sign('gm-fuzz', Math.floor(Date.now() / 1000) - 60), 'garbage', ''],
    userIds: ['gm-fuzz', 'fuzzy', 'x%2Fy'],
    maxBodyBytes: 1024 * 1024,
    maxAssetBytes: MAX_ASSET_BYTES,
    assetHashes: [createHash('sha256').update(image).digest('hex')],
    maxPendingUpgradeBytes: 64 * 1024,
  };
  console.log(`app http fuzz seed ${seed}, ${runs} runs; reproduce: ${reproduce}`);
  await fc.assert(
    fc.asyncProperty(fuzzRequest(world), async (request) => {
      const answer = await sendRaw(url, request.parts, request.truncated ? 150 : 5_000);
      const problem = answerProblem(request, answer, world);
      if (problem !== null) throw new Error(`${problem}\nrequest: ${request.summary}`);
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
}, Math.max(120_000, runs * 25));
