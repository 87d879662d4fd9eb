/**
 * Identities and sessions for tests, made the way a real client makes them:
 * over HTTP against a development-mode server (dev login, then the session API).
 */
import WebSocket from 'ws';

export interface TestUser {
  readonly name: string;
  readonly userId: string;
  readonly token: string;
}

export interface TestSession {
  readonly id: string;
  readonly joinCode: string;
  readonly gm: TestUser;
  readonly players: readonly TestUser[];
}

/** `POST /api/dev/login`; `url` is the server's http URL. */
export async function devLogin(url: string, name: string): Promise<TestUser> {
  const res = await fetch(`${url}/api/dev/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { token?: string; userId?: string; error?: string };
  if (res.status !== 200 || !body.token || !body.userId) throw new Error(`dev login failed: ${res.status} ${body.error}`);
  return { name, userId: body.userId, token: body.token };
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** A JSON call with the user's bearer token (none when `user` is null). */
export async function api<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  user: TestUser | string | null,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const token = typeof user === 'string' ? user : user?.token;
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

/** A session created by `gm` (logged in by name) that every player joined with its code. */
export async function createSession(
  url: string,
  { gm = 'gm', players = [] as string[], name = 'test session' }: { gm?: string | TestUser; players?: ReadonlyArray<string | TestUser>; name?: string } = {},
): Promise<TestSession> {
  const gmUser = typeof gm === 'string' ? await devLogin(url, gm) : gm;
  const created = await api<{ id: string; joinCode: string }>(url, 'POST', '/api/sessions', gmUser, { name });
  if (created.status !== 201) throw new Error(`create session failed: ${created.status} ${JSON.stringify(created.body)}`);
  const joined: TestUser[] = [];
  for (const p of players) {
    const user = typeof p === 'string' ? await devLogin(url, p) : p;
    const res = await api(url, 'POST', `/api/sessions/${created.body.id}/join`, user, { joinCode: created.body.joinCode });
    if (res.status !== 200) throw new Error(`join failed: ${res.status} ${JSON.stringify(res.body)}`);
    joined.push(user);
  }
  return { id: created.body.id, joinCode: created.body.joinCode, gm: gmUser, players: joined };
}

export type UpgradeOutcome =
  | { readonly opened: true; readonly ws: WebSocket; readonly protocol: string }
  | { readonly opened: false; readonly status: number };

/**
 * Tries one WebSocket upgrade and reports whether it opened or the HTTP
 * status it was refused with. A refused socket never emitted 'open'.
 */
export function tryUpgrade(
  wsUrl: string,
  room: string,
  { token, via = 'query', protocols, query = {} }: { token?: string; via?: 'query' | 'subprotocol'; protocols?: string[]; query?: Record<string, string> } = {},
): Promise<UpgradeOutcome> {
  const params = new URLSearchParams(query);
  if (token !== undefined && via === 'query') params.set('token', token);
  const offered = protocols ?? (token !== undefined && via === 'subprotocol' ? ['dl-v1', `dl-token.${token}`] : []);
  const qs = params.size > 0 ? `?${params}` : '';
  const ws = new WebSocket(`${wsUrl}/${room.split('/').map(encodeURIComponent).join('/')}${qs}`, offered);
  return new Promise((resolve, reject) => {
    let opened = false;
    ws.once('open', () => {
      opened = true;
      resolve({ opened: true, ws, protocol: ws.protocol });
    });
    ws.once('unexpected-response', (_req, res) => {
      if (opened) return reject(new Error('unexpected-response after open'));
      res.resume();
      ws.terminate();
      resolve({ opened: false, status: res.statusCode ?? 0 });
    });
    // Sockets closed by the server on purpose may error afterwards; the close code tells the story.
    ws.on('error', (err) => {
      if (!opened) reject(err);
    });
  });
}

/** Resolves with the close code and reason once `ws` closes. */
export function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve({ code: 1006, reason: '' });
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
}
