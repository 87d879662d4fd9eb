/**
 * Clients for the flood-limit and audit tests: upgrades that report the HTTP
 * answer with its headers, raw TCP for what no WebSocket library would send,
 * and session API calls with test-issuer tokens.
 */
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { testToken } from './test-identity.ts';

export type Upgrade =
  | { readonly opened: true; readonly ws: WebSocket }
  | { readonly opened: false; readonly status: number; readonly retryAfter: string | undefined };

/** One upgrade of `room` as `user` (no token when null); extra request headers as given. */
export function upgrade(
  wsUrl: string,
  room: string,
  user: string | null,
  { headers = {}, token }: { headers?: Record<string, string>; token?: string } = {},
): Promise<Upgrade> {
  const params = new URLSearchParams();
  const credential = token ?? (user === null ? undefined : testToken(user));
  if (credential !== undefined) params.set('token', credential);
  const ws = new WebSocket(`${wsUrl}/${room.split('/').map(encodeURIComponent).join('/')}?${params}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ opened: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      const retry = res.headers['retry-after'];
      resolve({ opened: false, status: res.statusCode ?? 0, retryAfter: Array.isArray(retry) ? retry[0] : retry });
    });
    ws.on('error', (err) => {
      if (ws.readyState !== WebSocket.OPEN) reject(err);
    });
  });
}

/** Closes `ws` and waits until it is closed at this end. */
export function hangUp(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.close();
  });
}

/** What a raw TCP client got back: every byte, and whether the server ended or reset the connection. */
export interface RawTcp {
  readonly socket: Socket;
  received(): string;
  readonly ended: Promise<'end' | 'reset'>;
}

export function rawTcp(httpUrl: string): Promise<RawTcp> {
  const { hostname, port } = new URL(httpUrl);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<'end' | 'reset'>((resolve) => {
    socket.once('error', () => resolve('reset'));
    socket.once('close', () => resolve('end'));
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks).toString('latin1'), ended }));
    socket.once('error', reject);
  });
}

/** The request head of a WebSocket upgrade of `room` with a valid token for `user`. */
export function upgradeHead(room: string, user: string, extraHeaders = ''): string {
  return (
    `GET /${room}?token=${testToken(user)} HTTP/1.1\r\n` +
    'Host: 127.0.0.1\r\n' +
    'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
    `${extraHeaders}\r\n`
  );
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** A JSON call with a test-issuer token for `user`. */
export async function call<T = Record<string, unknown>>(
  httpUrl: string,
  method: string,
  path: string,
  user: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const res = await fetch(`${httpUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${testToken(user)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

/** A session created by `gm` over the API that every player joined with its code. */
export async function apiSession(httpUrl: string, gm: string, players: readonly string[]): Promise<{ id: string; joinCode: string }> {
  const created = await call<{ id: string; joinCode: string }>(httpUrl, 'POST', '/api/sessions', gm, { name: 'audited table' });
  if (created.status !== 201) throw new Error(`creating a session failed: ${created.status}`);
  for (const p of players) {
    const joined = await call(httpUrl, 'POST', `/api/sessions/${created.body.id}/join`, p, { joinCode: created.body.joinCode });
    if (joined.status !== 200) throw new Error(`joining failed: ${joined.status}`);
  }
  return created.body;
}
