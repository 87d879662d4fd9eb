/**
 * Identities for the tests that are about something else than auth (sync,
 * limits, the event log…). Their servers run in production auth mode against
 * a test issuer whose ES256 key lives in this process, so a token for any
 * user id can be made synchronously (`testToken('alice')` is user `alice`),
 * and a spawned server process trusts the same key through its environment.
 *
 * Members of sessions named by fixed ids (`sessions/s1/table`) are put in the
 * server's store directly, before the user first connects; the membership
 * cache has not seen them yet, so the server reads them from the store. Users
 * whose name starts with "gm" become GMs, everyone else players.
 */
import { createSign, generateKeyPairSync, type KeyObject, createPrivateKey } from 'node:crypto';
import type { Store } from '@dungeon-lab/store';
import type { ProductionAuthOptions } from '../src/index.ts';
import { isValidSessionId } from '../src/event-log/session-rooms.ts';

export const TEST_ISSUER = 'https://issuer.dungeon-lab.test/';
export const TEST_AUDIENCE = 'dungeon-lab-tests';
/** Environment of a spawned server process that trusts the test issuer (see fixtures/server-process.ts). */
export const TEST_AUTH_ENV_KEY = 'DL_TEST_AUTH_PUBLIC_KEY';

const { privateKey, publicKeyPem } = ((): { privateKey: KeyObject; publicKeyPem: string } => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey: createPrivateKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
})();

export const TEST_AUTH: ProductionAuthOptions = {
  mode: 'production',
  issuer: TEST_ISSUER,
  audience: TEST_AUDIENCE,
  publicKeyPem,
};

/** Auth options for a server process started with `testAuthEnv()`. */
export function testAuthFromEnv(env: NodeJS.ProcessEnv): ProductionAuthOptions | undefined {
  const pem = env[TEST_AUTH_ENV_KEY];
  return pem ? { mode: 'production', issuer: TEST_ISSUER, audience: TEST_AUDIENCE, publicKeyPem: pem } : undefined;
}

export function testAuthEnv(): Record<string, string> {
  return { [TEST_AUTH_ENV_KEY]: publicKeyPem };
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token of the test issuer for `userId`, valid for an hour. */
export function testToken(userId: string, ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ sub: userId, iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now, exp: now + ttlSeconds })}`;
  const signature = createSign('sha256').update(body).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${body}.${signature.toString('base64url')}`;
}

export function bearer(userId: string): { authorization: string } {
  return { authorization: `Bearer ${testToken(userId)}` };
}

const stores = new Map<string, Store>();

/** Lets `ensureMember` seed sessions of the server at `url`; returns the unregister function. */
export function registerServerStore(url: string, store: Store): () => void {
  const host = new URL(url).host;
  stores.set(host, store);
  return () => {
    if (stores.get(host) === store) stores.delete(host);
  };
}

/** The session of a `sessions/{id}/…` room or `/api/sessions/{id}/…` URL path, if any. */
export function sessionIn(path: string): string | null {
  const m = /(?:^|\/)sessions\/([^/?]+)/.exec(path);
  return m !== null && isValidSessionId(m[1]!) ? m[1]! : null;
}

export function roleForName(userId: string): 'gm' | 'player' {
  return userId.startsWith('gm') ? 'gm' : 'player';
}

/**
 * Makes `userId` a member of `sessionId` on the server at `url` (creating the
 * session if needed) when that server runs in this process; a server in
 * another process holds its store's lock, so tests create sessions there
 * through the API instead.
 */
export async function ensureMember(url: string, sessionId: string, userId: string): Promise<void> {
  const store = stores.get(new URL(url).host);
  if (store === undefined) return;
  const role = roleForName(userId);
  const createdBy = role === 'gm' ? userId : 'gm';
  await store.createSession({ id: sessionId, name: sessionId, joinCode: 'TESTCODE00', createdBy, createdAt: Date.now() });
  await store.addMember(sessionId, { userId, role, joinedAt: Date.now() });
}

/** Seeds the membership a URL or room path needs, if it names a session. */
export async function ensureAccess(url: string, pathOrRoom: string, userId: string): Promise<void> {
  const sessionId = sessionIn(pathOrRoom);
  if (sessionId !== null) await ensureMember(url, sessionId, userId);
}

/** A session created through the API by `userId` (its GM): for servers in another process, whose store is theirs. */
export async function createSessionViaApi(url: string, userId = 'tester'): Promise<string> {
  const res = await fetch(`${url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(userId) },
    body: JSON.stringify({ name: 'test session' }),
  });
  const body = (await res.json()) as { id?: string; error?: string };
  if (res.status !== 201 || body.id === undefined) throw new Error(`creating a session failed: ${res.status} ${body.error}`);
  return body.id;
}
