import { CloseCode } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPersistenceStore, memoryPersistence } from './memory-persistence.ts';
import {
  countUpgrades,
  createTestSession,
  devLogin,
  startTestServer,
  testClient,
  waitFor,
  waitForValue,
  type TestServer,
} from './server-harness.fixture.ts';
import { SessionApi } from './session-api.ts';
import type { DocRefusal, SessionClient, SessionClientOptions } from './session-client.ts';
import { SyncState } from './sync-state.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  cleanups.push(() => s.dispose());
  return s;
}

function client(s: TestServer, options: Partial<SessionClientOptions> & Pick<SessionClientOptions, 'sessionId' | 'token'>): SessionClient {
  const c = testClient(s.url, { persistence: memoryPersistence(), ...options });
  cleanups.push(() => c.destroy());
  return c;
}

function closes(c: SessionClient): DocRefusal[] {
  const seen: DocRefusal[] = [];
  c.on('closed', (e) => seen.push(e));
  return seen;
}

/** Long enough for several reconnects at the test backoff (50–400 ms) if the client kept trying. */
const QUIET_MS = 600;

describe('authentication', () => {
  it('[EQ11][EQ13] connects with the token as a subprotocol and as a query parameter; identity from the token, role from the server', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['gm', 'mira']);
    const viaSubprotocol = client(s, { sessionId: sess.id, token: sess.users.mira!.token });
    const viaQuery = client(s, { sessionId: sess.id, token: sess.gm.token, tokenTransport: 'query' });
    await Promise.all([viaSubprotocol.whenSynced(), viaQuery.whenSynced()]);
    expect(viaSubprotocol.channel('table').protocol).toBe('dl-v1');
    expect(viaSubprotocol.channel('table').url).not.toContain('token=');
    expect(viaQuery.channel('table').url).toContain(`token=${sess.gm.token}`);
    expect(viaSubprotocol.identity.get().userId).toBe(sess.users.mira!.userId);
    await waitForValue(viaSubprotocol.identity, (i) => i.role === 'player', 'player role');
    await waitForValue(viaQuery.identity, (i) => i.role === 'gm', 'GM role');
    expect(viaQuery.sessionInfo.get()).toMatchObject({ id: sess.id, role: 'gm', joinCode: sess.joinCode });
    // Events are recorded under the token's user.
    const { result } = viaSubprotocol.intents.submit('chat:message', { text: 'hi' });
    expect((await result).success).toBe(true);
    await waitFor(() => viaQuery.view.get().chat !== undefined && (viaQuery.view.get().chat as unknown[]).length === 1, 'chat arrives');
    expect((viaQuery.view.get().chat as Array<{ userId: string }>)[0]!.userId).toBe(sess.users.mira!.userId);
  });

  it('[EQ12][A1] a forged token is refused for good: closed 4401, visible, whenSynced rejects, no retry storm', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['gm']);
    const [header, payload] = sess.gm.token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    const upgrades = countUpgrades(s);
    const c = client(s, { sessionId: sess.id, token: forged });
    const closed = closes(c);
    // The forged token still says who it claims to be; only the server can tell it is false.
    expect(c.identity.get().userId).toBe(sess.gm.userId);
    await expect(c.whenSynced()).rejects.toThrow(/for good: 4401/);
    expect(closed).toEqual([{ doc: 'table', code: CloseCode.Unauthorized, reason: expect.stringMatching(/token refused/) }]);
    expect(c.refusal.get()).toEqual(closed[0]);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect(upgrades.count()).toBe(1);
    expect(c.syncState.get()).toBe(SyncState.OFFLINE);
  });

  it('[EQ11][EQ12] an expired token is refused; a token function hands over a fresh one and connect() resumes', async () => {
    const s = await server({ auth: { mode: 'development', tokenTtlSeconds: 2 } });
    const sess = await createTestSession(s.url, ['gm']);
    const expiry = JSON.parse(atob(sess.gm.token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp: number };
    await waitFor(() => Date.now() >= expiry.exp * 1000 + 50, 'the token to expire', 5_000);
    let token = sess.gm.token;
    let calls = 0;
    const c = client(s, {
      sessionId: sess.id,
      userId: sess.gm.userId,
      token: () => {
        calls++;
        return token;
      },
    });
    const closed = closes(c);
    await waitFor(() => closed.length === 1, 'refusal');
    expect(closed[0]).toMatchObject({ code: CloseCode.Unauthorized });
    expect(c.refusal.get()).toMatchObject({ code: CloseCode.Unauthorized });
    const callsWhenRefused = calls;
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect(calls).toBe(callsWhenRefused);

    token = (await devLogin(s.url, 'gm')).token;
    c.connect();
    expect(c.refusal.get()).toBeNull();
    await c.whenSynced();
    expect(calls).toBeGreaterThan(callsWhenRefused);
  });

  it('[EQ12][A15] a removed member is closed with 4410 and stays out; reconnecting on purpose is refused as a non-member', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['gm', 'mira']);
    const c = client(s, { sessionId: sess.id, token: sess.users.mira!.token });
    await c.whenSynced();
    const closed = closes(c);
    const upgrades = countUpgrades(s);
    const removed = await new SessionApi({ serverUrl: s.url, token: sess.gm.token }).removeMember(sess.id, sess.users.mira!.userId);
    expect(removed.ok).toBe(true);
    await waitFor(() => closed.length === 1, 'closed');
    expect(closed[0]).toMatchObject({ doc: 'table', code: CloseCode.MemberRemoved });
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect(upgrades.count()).toBe(0);

    c.connect();
    await waitFor(() => closed.length === 2, 'refused again');
    expect(closed[1]).toMatchObject({ code: CloseCode.Forbidden, reason: expect.stringMatching(/not allowed in this session/) });
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect(upgrades.count()).toBe(1);
  });

  it('[EQ12][A11][A14] a stranger, and a player asking for the gm doc, are refused for good; the GM is not', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['gm', 'mira']);
    const stranger = await devLogin(s.url, 'stranger');
    const outsider = client(s, { sessionId: sess.id, token: stranger.token });
    const nosy = client(s, { sessionId: sess.id, token: sess.users.mira!.token, docs: ['table', 'gm', `players/${sess.users.mira!.userId}`] });
    const gm = client(s, { sessionId: sess.id, token: sess.gm.token, docs: ['table', 'gm', `players/${sess.users.mira!.userId}`] });
    await expect(outsider.whenSynced()).rejects.toThrow(/4403/);
    await waitFor(() => nosy.refusal.get() !== null, 'gm doc refused');
    expect(nosy.refusal.get()).toMatchObject({ doc: 'gm', code: CloseCode.Forbidden });
    // Her own room and the table are hers to read.
    await waitFor(() => nosy.docState('table').get() === SyncState.SYNCED && nosy.docState(`players/${sess.users.mira!.userId}`).get() === SyncState.SYNCED, 'her docs');
    await gm.whenSynced();
    expect(gm.refusal.get()).toBeNull();
  });

  it('[EQ11] a token function that fails is reported and retried with backoff, like a dropped connection', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['gm']);
    let calls = 0;
    const c = client(s, {
      sessionId: sess.id,
      userId: sess.gm.userId,
      token: async () => {
        if (++calls <= 2) throw new Error('identity provider unreachable');
        return sess.gm.token;
      },
    });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(String(e.error)));
    await c.whenSynced();
    expect(errors).toEqual([expect.stringMatching(/cannot connect: identity provider unreachable/), expect.stringMatching(/identity provider unreachable/)]);
    expect(c.refusal.get()).toBeNull();
  });

  it('[EQ24] a token function that hands over another user\'s token: no socket opens, so the stored queue is never sent as them; the right user\'s token connects', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['gm', 'mira']);
    const store = new MemoryPersistenceStore();
    // The GM's queued chat, stored under the GM's name.
    const offline = client(s, { sessionId: sess.id, token: sess.gm.token, persistence: memoryPersistence(store), connect: false });
    await offline.ready;
    const queued = offline.intents.submit('chat:message', { text: 'the GM\'s words' });
    await offline.destroy();

    const upgrades = countUpgrades(s);
    let token = sess.users.mira!.token;
    const c = client(s, { sessionId: sess.id, userId: sess.gm.userId, token: () => token, persistence: memoryPersistence(store) });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(String(e.error)));
    await waitFor(() => errors.length >= 2, 'refused attempts');
    expect(errors[0]).toMatch(new RegExp(`cannot connect: the token is "${sess.users.mira!.userId}"'s, this client's local storage "${sess.gm.userId}"'s`));
    expect(upgrades.count()).toBe(0);
    expect(c.pendingIntents.get().map((p) => p.intent.id)).toEqual([queued.id]);

    token = sess.gm.token;
    await c.whenSynced();
    await waitFor(() => c.pendingIntents.get().length === 0, 'the queue sent as the GM');
    expect(c.log.get().map((e) => [e.id, e.userId])).toEqual([[queued.id, sess.gm.userId]]);
  });

  it('[EQ12] a server that is down is not a refusal: the client keeps trying and comes back', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['gm']);
    await s.stop();
    const c = client(s, { sessionId: sess.id, token: sess.gm.token });
    const reconnects: number[] = [];
    c.on('reconnect', (e) => reconnects.push(e.attempt));
    await waitFor(() => reconnects.length >= 2, 'attempts while down');
    expect(c.refusal.get()).toBeNull();
    await s.start();
    await c.whenSynced();
  });
});
