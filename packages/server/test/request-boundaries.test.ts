/**
 * Request boundaries (docs/security.md [RB1]..[RB6]): whatever a client sends
 * over HTTP or as an upgrade is answered as a typed 4xx `{ error }`; only the
 * server's own bugs are 500s, and only a store that is down makes a 503.
 * Raw TCP, so targets and bodies `fetch` would refuse can be sent.
 */
import { type Store, StoreUnavailableError } from '@dungeon-lab/store';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api, createSession } from './auth-fixture.ts';
import { type RunningServer, startServer } from './helpers.ts';
import { isErrorBody, sendRaw, UPGRADE_HEADERS } from '@dungeon-lab/testing';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.dispose();
  running = undefined;
});

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  running = await startServer({ checksumIntervalMs: 0, auth: { mode: 'development' }, openRooms: false, ...options });
  return running;
}

/** Targets `new URL(target, base)` throws on, and the other forms the server does not serve. */
const UNSERVED_TARGETS = ['http://[bad', 'http://[::1', '*', 'sessions/x/table', 'ftp://h/x', 'http://a:99999/'];
/** Origin-form paths that once became a host (and threw): they are paths, answered like any other. */
const AUTHORITY_LOOKING_PATHS = ['//%00/', '//[', '//[::1/x', '//x:99999/'];

/** The server's store with the calls `replace` answers for swapped out; every other call reaches the store. */
function replacingCalls(replace: (key: PropertyKey) => (() => Promise<unknown>) | undefined): (store: Store) => Store {
  return (store) =>
    new Proxy(store, {
      get(target, key, receiver) {
        const replaced = replace(key);
        if (replaced !== undefined) return replaced;
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
}

async function expectAlive(url: string): Promise<void> {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
}

describe('request boundaries', () => {
  it('[RB1][RB5] an upgrade whose target is no URL is refused with 400 {error} before anything else; the process stays up', async () => {
    const { url } = await start();
    const expected = (target: string) => (UNSERVED_TARGETS.includes(target) || target === '//%00/' ? 400 : 401);
    for (const target of [...UNSERVED_TARGETS, ...AUTHORITY_LOOKING_PATHS]) {
      const answer = await sendRaw(url, `GET ${target} HTTP/1.1\r\n${UPGRADE_HEADERS}\r\n`);
      // A path is a room name: `//%00/` names one with a NUL (400); the others are rooms like any, and need a token.
      expect(answer?.status, target).toBe(expected(target));
      expect(isErrorBody(answer!.body), `${target}: ${answer!.body}`).toBe(true);
    }
    // What a browser or y-websocket sends for ws://host//%00/.
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}//%00/`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('opened')));
      ws.once('error', () => undefined);
    });
    expect(status).toBe(400);
    await expectAlive(url);
  });

  it('[RB1] the same targets as plain HTTP: 400 {error} for what is no URL, 404 {error} for paths nobody serves', async () => {
    const { url } = await start();
    for (const target of UNSERVED_TARGETS) {
      const answer = await sendRaw(url, `GET ${target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
      expect(answer?.status, target).toBe(400);
      expect(isErrorBody(answer!.body), target).toBe(true);
    }
    for (const target of AUTHORITY_LOOKING_PATHS) {
      const answer = await sendRaw(url, `GET ${target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
      expect(answer?.status, target).toBe(404);
      expect(isErrorBody(answer!.body), target).toBe(true);
    }
    // Absolute-form, as a proxy sends it, is served like the path it names.
    expect((await sendRaw(url, `GET ${url}/healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`))?.status).toBe(200);
    await expectAlive(url);
  });

  it('[RB5] a malformed handshake is refused with {error} before its token is looked at', async () => {
    const { url } = await start();
    const handshake = (method: string, headers: string) => sendRaw(url, `${method} /sessions/x/table HTTP/1.1\r\n${headers}\r\n`);
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const cases: Array<[string, string, string, number]> = [
      ['not a GET', 'POST', `Host: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n${key}`, 405],
      ['no Host', 'GET', `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n${key}`, 400],
      ['not websocket', 'GET', `Host: h\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nSec-WebSocket-Version: 13\r\n${key}`, 400],
      ['bad key', 'GET', 'Host: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n', 400],
      ['bad version', 'GET', `Host: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 12\r\n${key}`, 400],
      ['bad protocols', 'GET', `${UPGRADE_HEADERS}Sec-WebSocket-Protocol: dl-v1, dl-v1\r\n`, 400],
    ];
    for (const [what, method, headers, status] of cases) {
      const answer = await handshake(method, headers);
      expect(answer?.status, what).toBe(status);
      expect(isErrorBody(answer!.body), what).toBe(true);
      if (status === 405) expect(answer!.headers.allow).toBe('GET');
    }
  });

  it('[RB5] a refused upgrade or CONNECT whose client was still sending leaves no socket open once the client is gone', async () => {
    const { url, server } = await start();
    const body = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 10; i++) {
      const badKey = await sendRaw(url, [`GET /sessions/x/table HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\nContent-Length: ${body.length}\r\n\r\n`, body]);
      expect(badKey?.status).toBe(400);
      const connect = await sendRaw(url, [`CONNECT h:80 HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n`, body]);
      expect(connect?.status).toBe(400);
    }
    const open = () => new Promise<number>((resolve, reject) => server.httpServer.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    const deadline = Date.now() + 1_000;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await open()).toBe(0);
  });

  it('[RB2] numeric parameters are safe integers within their bounds: from=2^53+1 is a 400, not a store RangeError', async () => {
    const { url } = await start();
    const s = await createSession(url);
    const events = (query: string) => api(url, 'GET', `/api/sessions/${s.id}/events${query}`, s.gm);
    for (const query of ['?from=9007199254740993', '?from=99999999999999999999999', '?from=1e3', '?from=-1', '?from=0x10', '?from=1.5', '?limit=0', '?limit=1001', '?limit=9007199254740993']) {
      const answer = await events(query);
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toEqual({ error: expect.stringMatching(/^(from|limit) must be an integer from \d+ to \d+$/) });
    }
    expect(await events('?from=9007199254740991&limit=1000')).toEqual({ status: 200, body: { events: [], next: null } });
    expect((await events('?from=&limit=')).status).toBe(200);
    for (const query of ['?before=9007199254740993', '?before=99999999999999999999', '?limit=1001', '?limit=0']) {
      expect((await api(url, 'GET', `/api/sessions/${s.id}/audit${query}`, s.gm)).status, query).toBe(400);
    }
  });

  it('[RB2] bodies: 415 without JSON, 413 over the limit (declared or streamed), 400 truncated, not UTF-8, not JSON or nested 100,000 deep', async () => {
    const { url } = await start();
    const s = await createSession(url);
    const post = (headers: string, body: string | Buffer) =>
      sendRaw(url, [`POST /api/sessions/${s.id}/events HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${s.gm.token}\r\nConnection: close\r\n${headers}\r\n`, body]);
    const jsonHeaders = (length: number) => `Content-Type: application/json\r\nContent-Length: ${length}\r\n`;
    const cases: Array<[string, Promise<Awaited<ReturnType<typeof sendRaw>>>, number]> = [
      ['no content type', post('Content-Length: 2\r\n', '[]'), 415],
      ['declared too large', post(jsonHeaders(10 * 1024 * 1024), '[]'), 413],
      ['streamed too large', post('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', `c0000\r\n${'['.repeat(0xc0000)}\r\nc0000\r\n${' '.repeat(0xc0000)}\r\n0\r\n\r\n`), 413],
      ['invalid UTF-8', post(jsonHeaders(4), Buffer.from([0x22, 0xc0, 0xaf, 0x22])), 400],
      ['not JSON', post(jsonHeaders(2), '[{'), 400],
      ['nested 100,000 deep', sendDeep(url, s.id, s.gm.token, 100_000), 400],
    ];
    for (const [what, answer, status] of cases) {
      const got = await answer;
      expect(got?.status, what).toBe(status);
      expect(isErrorBody(got!.body), `${what}: ${got!.body}`).toBe(true);
    }
    // Truncated: the client says 100 bytes, sends 10 and goes away; nobody is left to answer, and nothing breaks.
    expect(await sendRaw(url, `POST /api/sessions/${s.id}/events HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${s.gm.token}\r\n${jsonHeaders(100)}\r\n[{"id":"x"`, 300)).toBeNull();
    await expectAlive(url);
    expect((await api(url, 'GET', `/api/sessions/${s.id}/events`, s.gm)).body).toEqual({ events: [], next: null });
  });

  it('[RB2] a method a path does not have is 405 with Allow — once the caller may use that path at all', async () => {
    const { url } = await start();
    const s = await createSession(url, { players: ['p1'] });
    const outsider = await createSession(url, { gm: 'outsider' });
    const res = await fetch(`${url}/api/sessions/${s.id}/events`, { method: 'DELETE', headers: { authorization: `Bearer ${s.players[0]!.token}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await res.json()).toEqual({ error: expect.any(String) });
    const healthz = await fetch(`${url}/healthz`, { method: 'POST' });
    expect([healthz.status, healthz.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    // A non-member learns nothing about which methods a session's paths have.
    expect((await api(url, 'DELETE', `/api/sessions/${s.id}/events`, outsider.gm)).status).toBe(403);
    expect((await api(url, 'DELETE', `/api/sessions/${s.id}/events`, null)).status).toBe(401);
  });

  it('[RB3] an error no module declared is a 500 with a request id, in the answer and the log; once the store is down it is a 503', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (o: object) => logged.push(o as Record<string, unknown>) };
    let storeDown = false;
    const { url } = await start({
      logger,
      wrapStore: replacingCalls((key) => {
        if (key === 'listSessionsOf') return () => Promise.reject(new TypeError('a bug in a store call'));
        if (key === 'ping' && storeDown) return () => Promise.reject(new Error('disk gone'));
        return undefined;
      }),
    });
    const s = await createSession(url);
    const bug = await api<{ error: string; requestId: string }>(url, 'GET', '/api/sessions', s.gm);
    expect(bug).toEqual({ status: 500, body: { error: 'internal error', requestId: expect.stringMatching(/^[\w-]{8}$/) } });
    expect(logged).toContainEqual(expect.objectContaining({ requestId: bug.body.requestId, err: 'TypeError: a bug in a store call' }));
    expect(JSON.stringify(bug.body)).not.toMatch(/at .*\.ts/);
    storeDown = true;
    expect((await api(url, 'GET', '/api/sessions', s.gm)).status).toBe(503);
  });

  it('[RB3] a store call that rejects with StoreUnavailableError is a 503, even while ping still answers: the backend said so', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const logger = { debug() {}, info() {}, warn: (o: object) => logged.push(o as Record<string, unknown>), error: (o: object) => logged.push(o as Record<string, unknown>) };
    const { url } = await start({
      logger,
      wrapStore: replacingCalls((key) =>
        key === 'listSessionsOf' ? () => Promise.reject(new StoreUnavailableError('mongo store: connection 3 to 10.0.0.7:27017 closed')) : undefined,
      ),
    });
    const s = await createSession(url);
    const answer = await api<{ error: string; requestId: string }>(url, 'GET', '/api/sessions', s.gm);
    expect(answer).toEqual({ status: 503, body: { error: 'temporarily unavailable; retry', requestId: expect.stringMatching(/^[\w-]{8}$/) } });
    // What failed underneath is in the log, never in the answer.
    expect(JSON.stringify(answer.body)).not.toMatch(/10\.0\.0\.7/);
    expect(logged).toContainEqual(expect.objectContaining({ requestId: answer.body.requestId }));
  });

  it('[RB4] a request Node cannot parse is answered 400 {error} and closed; a header too large 431', async () => {
    const { url } = await start();
    for (const request of ['GET / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n', 'GET /\x00 HTTP/1.1\r\n\r\n', 'NOT A REQUEST\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n']) {
      const answer = await sendRaw(url, request);
      expect(answer?.status, JSON.stringify(request)).toBe(400);
      expect(isErrorBody(answer!.body)).toBe(true);
    }
    const big = await sendRaw(url, `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(big?.status).toBe(431);
    await expectAlive(url);
  });
});

/** A body of `depth` nested arrays, streamed in pieces so the test does not hold it twice. */
function sendDeep(url: string, sessionId: string, token: string, depth: number) {
  const body = '['.repeat(depth) + ']'.repeat(depth);
  return sendRaw(url, [
    `POST /api/sessions/${sessionId}/events HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    body,
  ]);
}
