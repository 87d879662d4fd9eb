/**
 * The session and membership HTTP API (docs/api.md [API1]..[API8]) with role
 * checks, over real HTTP against a real server and LevelDB store.
 */
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER } from '../src/auth/dev-tokens.ts';
import { api, createSession, devLogin, type TestUser } from './auth-fixture.ts';
import { type RunningServer, startServer } from './helpers.ts';

let running: RunningServer | undefined;

afterEach(async () => {
  await running?.dispose();
  running = undefined;
});

async function start(): Promise<string> {
  running = await startServer({ checksumIntervalMs: 0, auth: { mode: 'development' }, openRooms: false });
  return running.url;
}

interface MemberView {
  userId: string;
  role: 'gm' | 'player';
  joinedAt: number;
  name?: string;
}

/** A token the development server accepts, for `sub`, with the `name` claim given (none when undefined). */
async function tokenWithName(sub: string, name: unknown): Promise<string> {
  const key = await running!.store.claimSecret('auth/dev-hs256-key', new Uint8Array(32));
  return new SignJWT(name === undefined ? {} : { name })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key);
}

async function roles(url: string, sessionId: string, as: TestUser): Promise<Record<string, string>> {
  const res = await api<{ members: MemberView[] }>(url, 'GET', `/api/sessions/${sessionId}/members`, as);
  expect(res.status).toBe(200);
  return Object.fromEntries(res.body.members.map((m) => [m.userId, m.role]));
}

describe('sessions API', () => {
  it('[API1] POST /api/sessions creates a session with the caller as its GM; names are checked', async () => {
    const url = await start();
    const alice = await devLogin(url, 'alice');
    const created = await api<{ id: string; name: string; joinCode: string; role: string }>(url, 'POST', '/api/sessions', alice, { name: '  Tomb of Annihilation  ' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), name: 'Tomb of Annihilation', joinCode: expect.stringMatching(/^[0-9A-Z]{10}$/), role: 'gm' });
    expect(await roles(url, created.body.id, alice)).toEqual({ [alice.userId]: 'gm' });

    const other = await api<{ id: string; joinCode: string }>(url, 'POST', '/api/sessions', alice, { name: 'second' });
    expect(other.body.id).not.toBe(created.body.id);
    expect(other.body.joinCode).not.toBe(created.body.joinCode);

    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, { name: 7 }]) {
      expect((await api(url, 'POST', '/api/sessions', alice, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await api(url, 'PUT', '/api/sessions', alice)).status).toBe(405);
  });

  it('[API10] GET /api/sessions lists the caller\'s sessions, newest joined first, with role and times, and follows membership', async () => {
    const url = await start();
    const alice = await devLogin(url, 'alice');
    expect(await api(url, 'GET', '/api/sessions', alice)).toEqual({ status: 200, body: { sessions: [] } });
    expect((await api(url, 'GET', '/api/sessions', null)).status).toBe(401);
    const first = await createSession(url, { gm: alice, name: 'first' });
    const second = await createSession(url, { gm: alice, name: 'second' });
    const bobs = await createSession(url, { gm: 'bob', name: "bob's", players: [alice] });
    type Listed = { id: string; name: string; role: string; createdAt: number; joinedAt: number };
    const listed = await api<{ sessions: Listed[] }>(url, 'GET', '/api/sessions', alice);
    expect(listed.body.sessions.map(({ id, name, role }) => ({ id, name, role }))).toEqual([
      { id: bobs.id, name: "bob's", role: 'player' },
      { id: second.id, name: 'second', role: 'gm' },
      { id: first.id, name: 'first', role: 'gm' },
    ]);
    const [joined, , created] = listed.body.sessions;
    expect(joined!.joinedAt).toBeGreaterThanOrEqual(joined!.createdAt);
    expect(created!.joinedAt).toBe(created!.createdAt);
    expect(listed.body.sessions.map((s) => s.joinedAt)).toEqual(listed.body.sessions.map((s) => s.joinedAt).sort((a, b) => b - a));

    // Promotion shows at once; removal takes the session off the list.
    await api(url, 'PATCH', `/api/sessions/${bobs.id}/members/${alice.userId}`, bobs.gm, { role: 'gm' });
    expect((await api<{ sessions: Listed[] }>(url, 'GET', '/api/sessions', alice)).body.sessions[0]).toMatchObject({ id: bobs.id, role: 'gm' });
    await api(url, 'PATCH', `/api/sessions/${bobs.id}/members/${bobs.gm.userId}`, alice, { role: 'player' });
    await api(url, 'DELETE', `/api/sessions/${bobs.id}/members/${bobs.gm.userId}`, alice);
    expect((await api<{ sessions: Listed[] }>(url, 'GET', '/api/sessions', bobs.gm)).body.sessions).toEqual([]);
  });

  it('[API10] GET /api/sessions answers at most 200 sessions, the newest joined', async () => {
    const url = await start();
    const carol = await devLogin(url, 'carol');
    const ids: string[] = [];
    for (let i = 0; i < 201; i++) ids.push((await api<{ id: string }>(url, 'POST', '/api/sessions', carol, { name: `s${i}` })).body.id);
    const listed = (await api<{ sessions: Array<{ id: string; joinedAt: number }> }>(url, 'GET', '/api/sessions', carol)).body.sessions;
    expect(listed).toHaveLength(200);
    expect(listed.map((s) => s.id)).toContain(ids.at(-1));
    expect(listed.map((s) => s.joinedAt)).toEqual(listed.map((s) => s.joinedAt).sort((a, b) => b - a));
  });

  it('[API2] join with the code makes a player; a wrong code is 403, an unknown session 404; joining again keeps the role', async () => {
    const url = await start();
    const s = await createSession(url);
    const bob = await devLogin(url, 'bob');
    expect(await api(url, 'POST', `/api/sessions/${s.id}/join`, bob, { joinCode: 'WRONGCODE0' })).toEqual({ status: 403, body: { error: 'wrong join code' } });
    expect((await api(url, 'POST', `/api/sessions/${s.id}/join`, bob, { joinCode: s.joinCode.slice(1) })).status).toBe(403);
    expect((await api(url, 'POST', `/api/sessions/${s.id}/join`, bob, {})).status).toBe(400);
    expect((await api(url, 'POST', '/api/sessions/nope/join', bob, { joinCode: s.joinCode })).status).toBe(404);
    expect((await api(url, 'GET', `/api/sessions/${s.id}/members`, bob)).status).toBe(403);

    // Codes are read aloud: case and surrounding spaces do not matter.
    expect(await api(url, 'POST', `/api/sessions/${s.id}/join`, bob, { joinCode: ` ${s.joinCode.toLowerCase()} ` })).toEqual({ status: 200, body: { role: 'player' } });
    expect(await api(url, 'POST', `/api/sessions/${s.id}/join`, bob, { joinCode: s.joinCode })).toEqual({ status: 200, body: { role: 'player' } });
    // The GM joining with the code stays GM.
    expect(await api(url, 'POST', `/api/sessions/${s.id}/join`, s.gm, { joinCode: s.joinCode })).toEqual({ status: 200, body: { role: 'gm' } });
    expect(await roles(url, s.id, bob)).toEqual({ [s.gm.userId]: 'gm', [bob.userId]: 'player' });
  });

  it('[API3] [API7] members and the session are visible to members only; only GMs see the join code', async () => {
    const url = await start();
    const s = await createSession(url, { players: ['p1'], name: 'Session A' });
    const outsider = await devLogin(url, 'outsider');
    const p1 = s.players[0]!;

    const list = await api<{ members: MemberView[] }>(url, 'GET', `/api/sessions/${s.id}/members`, p1);
    expect(list.status).toBe(200);
    expect(list.body.members.map((m) => [m.userId, m.role])).toEqual([
      [s.gm.userId, 'gm'],
      [p1.userId, 'player'],
    ]);
    expect((await api(url, 'GET', `/api/sessions/${s.id}/members`, outsider)).status).toBe(403);
    expect((await api(url, 'GET', '/api/sessions/unknown/members', outsider)).status).toBe(404);

    const asGm = await api(url, 'GET', `/api/sessions/${s.id}`, s.gm);
    expect(asGm).toEqual({ status: 200, body: { id: s.id, name: 'Session A', createdBy: s.gm.userId, createdAt: expect.any(Number), role: 'gm', joinCode: s.joinCode } });
    const asPlayer = await api(url, 'GET', `/api/sessions/${s.id}`, p1);
    expect(asPlayer.body).toEqual({ id: s.id, name: 'Session A', createdBy: s.gm.userId, createdAt: expect.any(Number), role: 'player' });
    expect((await api(url, 'GET', `/api/sessions/${s.id}`, outsider)).status).toBe(403);
  });

  it('[API3] members carry the name their token had when they joined, trimmed and cut to 64 characters; joining again renames', async () => {
    const url = await start();
    const s = await createSession(url, { gm: 'Gunnar the GM', players: ['Mira'] });
    const names = async (): Promise<Record<string, string | null>> => {
      const res = await api<{ members: MemberView[] }>(url, 'GET', `/api/sessions/${s.id}/members`, s.gm);
      expect(res.status).toBe(200);
      return Object.fromEntries(res.body.members.map((m) => [m.userId, m.name ?? null]));
    };
    const join = async (token: string) => (await api(url, 'POST', `/api/sessions/${s.id}/join`, token, { joinCode: s.joinCode })).status;
    const mira = s.players[0]!;
    expect(await names()).toEqual({ [s.gm.userId]: 'Gunnar the GM', [mira.userId]: 'Mira' });

    // Tokens from an identity provider: padded, long, with controls, without a name, with a name that is no string.
    expect(await join(await tokenWithName('padded', '  Pia  '))).toBe(200);
    expect(await join(await tokenWithName('long', `${'🐉'.repeat(60)}abcdefgh`))).toBe(200);
    expect(await join(await tokenWithName('bell', 'Ro\u0007b\n'))).toBe(200);
    expect(await join(await tokenWithName('anon', undefined))).toBe(200);
    expect(await join(await tokenWithName('blank', ' \t '))).toBe(200);
    expect(await join(await tokenWithName('numeric', 42))).toBe(200);
    const listed = await api<{ members: MemberView[] }>(url, 'GET', `/api/sessions/${s.id}/members`, mira);
    expect(Object.fromEntries(listed.body.members.map((m) => [m.userId, m.name ?? null]))).toEqual({
      [s.gm.userId]: 'Gunnar the GM',
      [mira.userId]: 'Mira',
      padded: 'Pia',
      long: `${'🐉'.repeat(60)}abcd`,
      bell: 'Rob',
      anon: null,
      blank: null,
      numeric: null,
    });
    // No name is no key, not null.
    expect(listed.body.members.find((m) => m.userId === 'anon')).not.toHaveProperty('name');

    // The same user joins again under another name: renamed, role and join time kept; no name leaves the name.
    const before = listed.body.members.find((m) => m.userId === 'padded')!;
    expect(await join(await tokenWithName('padded', 'Pia the Bold'))).toBe(200);
    expect(await join(await tokenWithName('padded', undefined))).toBe(200);
    expect(await join(await tokenWithName('anon', 'Anna'))).toBe(200);
    const after = (await api<{ members: MemberView[] }>(url, 'GET', `/api/sessions/${s.id}/members`, s.gm)).body.members;
    expect(after.find((m) => m.userId === 'padded')).toEqual({ ...before, name: 'Pia the Bold' });
    expect((await names()).anon).toBe('Anna');
    // Role changes and removals answer the member with its name.
    const promoted = await api(url, 'PATCH', `/api/sessions/${s.id}/members/padded`, s.gm, { role: 'gm' });
    expect(promoted.body).toEqual({ ...before, role: 'gm', name: 'Pia the Bold' });
    const removed = await api(url, 'DELETE', `/api/sessions/${s.id}/members/${mira.userId}`, s.gm);
    expect(removed.body).toEqual({ removed: { userId: mira.userId, role: 'player', joinedAt: expect.any(Number), name: 'Mira' } });
  });

  it('[API4] only a GM removes members; unknown members are 404; the last GM cannot be removed (409)', async () => {
    const url = await start();
    const s = await createSession(url, { players: ['p1', 'p2'] });
    const [p1, p2] = s.players as [TestUser, TestUser];
    const member = (u: TestUser | string) => `/api/sessions/${s.id}/members/${encodeURIComponent(typeof u === 'string' ? u : u.userId)}`;

    expect((await api(url, 'DELETE', member(p2), p1)).status).toBe(403);
    expect((await api(url, 'DELETE', member('dev-nobody'), s.gm)).status).toBe(404);
    expect((await api(url, 'DELETE', member(s.gm), s.gm))).toEqual({ status: 409, body: { error: 'a session keeps at least one GM' } });
    const removed = await api(url, 'DELETE', member(p2), s.gm);
    expect(removed).toEqual({ status: 200, body: { removed: { userId: p2.userId, role: 'player', joinedAt: expect.any(Number), name: 'p2' } } });
    expect(await roles(url, s.id, s.gm)).toEqual({ [s.gm.userId]: 'gm', [p1.userId]: 'player' });
    // A removed player can join again with the code.
    expect((await api(url, 'POST', `/api/sessions/${s.id}/join`, p2, { joinCode: s.joinCode })).status).toBe(200);
  });

  it('[API5] only a GM promotes and demotes; a session keeps at least one GM', async () => {
    const url = await start();
    const s = await createSession(url, { players: ['p1', 'p2'] });
    const [p1, p2] = s.players as [TestUser, TestUser];
    const member = (u: TestUser) => `/api/sessions/${s.id}/members/${u.userId}`;

    expect((await api(url, 'PATCH', member(p2), p1, { role: 'gm' })).status).toBe(403);
    expect((await api(url, 'PATCH', member(p1), s.gm, { role: 'admin' })).status).toBe(400);
    expect((await api(url, 'PATCH', member(p1), s.gm, {})).status).toBe(400);
    expect((await api(url, 'PATCH', `/api/sessions/${s.id}/members/dev-nobody`, s.gm, { role: 'gm' })).status).toBe(404);
    expect((await api(url, 'PATCH', member(s.gm), s.gm, { role: 'player' })).status).toBe(409);

    const promoted = await api(url, 'PATCH', member(p1), s.gm, { role: 'gm' });
    expect(promoted).toEqual({ status: 200, body: { userId: p1.userId, role: 'gm', joinedAt: expect.any(Number), name: 'p1' } });
    // The new GM may now manage members, including demoting the old GM.
    expect((await api(url, 'PATCH', member(s.gm), p1, { role: 'player' })).status).toBe(200);
    expect((await api(url, 'DELETE', member(p2), s.gm)).status).toBe(403);
    expect((await api(url, 'PATCH', member(p1), p1, { role: 'player' })).status).toBe(409);
    expect(await roles(url, s.id, p1)).toEqual({ [s.gm.userId]: 'player', [p1.userId]: 'gm', [p2.userId]: 'player' });
    expect((await api(url, 'PUT', member(p2), p1, { role: 'gm' })).status).toBe(405);
  });

  it('[API6] the event-log endpoints answer members only: 401 without a token, 403 for a non-member', async () => {
    const url = await start();
    const s = await createSession(url, { players: ['p1'] });
    const outsider = await devLogin(url, 'outsider');
    const p1 = s.players[0]!;
    const paths: Array<[string, string, unknown?]> = [
      ['GET', `/api/sessions/${s.id}/state`],
      ['GET', `/api/sessions/${s.id}/events`],
      ['POST', `/api/sessions/${s.id}/events`, []],
      ['GET', `/api/sessions/${s.id}/checkpoints`],
      ['POST', `/api/sessions/${s.id}/checkpoint`, { name: 'cp' }],
    ];
    for (const [method, path, body] of paths) {
      expect((await api(url, method, path, null, body)).status, `${method} ${path} anonymous`).toBe(401);
      expect((await api(url, method, path, outsider, body)).status, `${method} ${path} outsider`).toBe(403);
    }
    expect((await api(url, 'GET', `/api/sessions/${s.id}/state`, p1)).status).toBe(200);
    const chat = { id: crypto.randomUUID(), type: 'chat:message', payload: { text: 'hi' } };
    const acks = await api<Array<{ success: boolean }>>(url, 'POST', `/api/sessions/${s.id}/events`, p1, [chat]);
    expect(acks.body).toEqual([{ id: chat.id, success: true, sequence: 1 }]);
    const events = await api<{ events: Array<{ userId: string }> }>(url, 'GET', `/api/sessions/${s.id}/events`, s.gm);
    // The event log records the authenticated caller, not anything the request claimed.
    expect(events.body.events.map((e) => e.userId)).toEqual([p1.userId]);
    const spoofed = await fetch(`${url}/api/sessions/${s.id}/state?user=${s.gm.userId}`, { headers: { 'x-user-id': s.gm.userId } });
    expect(spoofed.status).toBe(401);
    // Unknown paths under a session stay 404 for members, 403 for others.
    expect((await api(url, 'GET', `/api/sessions/${s.id}/nothing-here`, p1)).status).toBe(404);
    expect((await api(url, 'GET', `/api/sessions/${s.id}/nothing-here`, outsider)).status).toBe(403);
  });

  it('[API8] dev login answers token, userId, name and expiry', async () => {
    const url = await start();
    const res = await api<{ token: string; userId: string; name: string; expiresAt: number }>(url, 'POST', '/api/dev/login', null, { name: 'Mira' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), userId: expect.stringMatching(/^dev-/), name: 'Mira', expiresAt: expect.any(Number) });
    expect(res.body.expiresAt - Date.now() / 1000).toBeGreaterThan(11 * 3600);
  });
});
