/**
 * Random HTTP/1.1 requests for fuzzing a server's whole HTTP and upgrade
 * surface over raw TCP (docs/security.md [RB6]): methods, request targets
 * with the RFC 3986 edge cases that once crashed the server, headers, bodies
 * and framing a browser would never send, and tokens from none to a GM's.
 * Separate entry point (`@dungeon-lab/testing/http-fuzz`): it needs fast-check.
 */
import fc from 'fast-check';
import { jpegImage, pngImage, webpExtendedImage, webpLosslessImage, webpLossyImage } from './images.ts';
import { isErrorBody, type RawAnswer } from './raw-http.ts';

/** What the generated requests may name: ids of real sessions, tokens of real users, and so on. */
export interface FuzzWorld {
  /** Session ids that exist, and ones that do not. */
  readonly sessionIds: readonly string[];
  /** Values for `Authorization: Bearer …` and `?token=`: valid, expired, of non-members, of members and GMs. */
  readonly tokens: readonly string[];
  readonly userIds: readonly string[];
  /** Largest JSON body the server accepts: bodies are drawn around it. */
  readonly maxBodyBytes: number;
  /** Largest image upload the server accepts ([API11]): image bodies are drawn around it. */
  readonly maxAssetBytes: number;
  /** Hashes of images some session holds, so reads reach the bytes and the 304s. */
  readonly assetHashes: readonly string[];
  /** Bytes an upgrade may send before its answer; beyond them the server cuts it off unanswered ([F6]). */
  readonly maxPendingUpgradeBytes: number;
}

export interface FuzzRequest {
  /** Written in turn on one connection. */
  readonly parts: readonly Buffer[];
  /** The request declares more body than it sends: the server waits, and nothing need answer. */
  readonly truncated: boolean;
  /** A HEAD request: its answer has headers only. */
  readonly head: boolean;
  /** Asks for a WebSocket upgrade (Node hands it to the upgrade path, not to the routes). */
  readonly upgrade: boolean;
  /** Bytes sent after the head. */
  readonly bodyBytes: number;
  /**
   * The request sends bytes its own framing does not cover (a body without a
   * length, broken chunks, a contradicting Content-Length): the server
   * answers what it could parse and closes, and the client, still sending,
   * may have that answer taken by the connection's reset.
   */
  readonly overruns: boolean;
  /** A readable account of the request, for failure messages (bodies cut short). */
  readonly summary: string;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'get', 'PoSt', 'FOO', 'M-SEARCH'];
const SEGMENTS = [
  '', 'api', 'sessions', 'members', 'events', 'state', 'checkpoint', 'checkpoints', 'restore', 'approvals', 'audit', 'join',
  'dev', 'login', 'healthz', 'metrics', 'table', 'gm', 'players', 'assets', 'index.html', 'app-abc123.js', 'x.css',
  '.', '..', '%2e%2e', '%2E%2e', '.%2e', '%2f', '..%2f', '%5c', '\\', '%00', '%', '%zz', '%C0%AF', '%C0%AE%C0%AE', '%ED%A0%80',
  '%FF', '%E2%82', '%F0%9F%8E%B2', 'a'.repeat(300), '[', ']', '@', ':', ';', ',', '~',
];
/** Whole targets: the issue's crashes, other forms of request target, and worse. */
const EDGE_TARGETS = [
  '//%00/', '//[', '//[::1/x', 'http://[bad', 'http://[::1', 'http://h/api/sessions', 'https://x:99999/', 'ws://h/sessions/x/table',
  '*', 'h:80', '', '/', '/%', '/%00', '/a?b#c', '/?', '/#', '/api/sessions?token=a&token=b', `/${'x'.repeat(20_000)}`,
  '/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/..\\..\\etc\\passwd',
];
const NUMBERS = ['0', '1', '-1', '1e3', '0x10', '1.5', '', 'NaN', '9007199254740991', '9007199254740993', '99999999999999999999999', ' 1', '01'];
const QUERY_KEYS = ['from', 'limit', 'before', 'token', 'seq', 'dl', 'user'];

const printable = fc.string({ maxLength: 40 });
/** Printable text that fits in a header value. */
const printableHeader = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyText = fc.string({ unit: 'binary', maxLength: 60 });

function target(world: FuzzWorld): fc.Arbitrary<string> {
  const segment = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...SEGMENTS) },
    { weight: 4, arbitrary: fc.constantFrom(...world.sessionIds, ...world.userIds) },
    { weight: 2, arbitrary: printable.map(encodeURIComponent) },
    { weight: 1, arbitrary: printable },
  );
  const query = fc
    .array(fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.oneof(fc.constantFrom(...NUMBERS), fc.constantFrom(...world.tokens), printable)), { maxLength: 3 })
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`));
  const path = fc.array(segment, { minLength: 1, maxLength: 7 }).map((s) => `/${s.join('/')}`);
  const apiPath = fc.tuple(fc.constantFrom(...world.sessionIds), fc.array(segment, { maxLength: 3 })).map(([id, rest]) => `/api/sessions/${id}${rest.length ? `/${rest.join('/')}` : ''}`);
  const endpoint = fc
    .tuple(fc.constantFrom(...world.sessionIds), fc.constantFrom('', '/join', '/members', '/members/fuzzy', '/state', '/events', '/checkpoint', '/checkpoints', '/checkpoints/x/restore', '/approvals', '/audit', '/assets', ...world.assetHashes.map((h) => `/assets/${h}`)))
    .map(([id, rest]) => `/api/sessions/${id}${rest}`);
  const room = fc
    .tuple(fc.constantFrom(...world.sessionIds), fc.constantFrom('table', 'gm', 'players/fuzzy', 'players/pat', 'notes'), fc.option(fc.constantFrom(...world.tokens)))
    .map(([id, doc, token]) => `/sessions/${id}/${doc}${token === null ? '' : `?token=${token}`}`);
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.oneof(path, apiPath, endpoint, endpoint), query).map(([p, q]) => p + q) },
    { weight: 3, arbitrary: room },
    { weight: 2, arbitrary: fc.constantFrom(...EDGE_TARGETS) },
    { weight: 1, arbitrary: anyText.map((t) => `/${t}`) },
  );
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });

function body(world: FuzzWorld): fc.Arbitrary<Buffer | null> {
  const intent = fc.record({
    id: fc.oneof(fc.uuid(), printable),
    type: fc.constantFrom('chat:message', 'dice:roll', 'token:move', 'plugin:dnd5e:damage', 'plugin:dnd5e:attack', 'approval:resolve', 'nope'),
    payload: fc.oneof(jsonValue, fc.record({ text: printable, notation: printable, targetId: printable, amount: fc.integer(), type: printable })),
  });
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.array(intent, { maxLength: 4 }).map(json) },
    { weight: 2, arbitrary: fc.record({ name: fc.oneof(printable, jsonValue), joinCode: fc.oneof(printable, jsonValue), role: fc.constantFrom('gm', 'player', 'admin', '') }).map(json) },
    { weight: 2, arbitrary: jsonValue.map(json) },
    { weight: 1, arbitrary: fc.constantFrom('[{', '{"a":', 'nul', '[1,]', '\u0000', '"\\ud800"', '{"__proto__":{"x":1}}').map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 100_000 }).map((d) => Buffer.from('['.repeat(d) + ']'.repeat(d))) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((k) => Buffer.alloc(world.maxBodyBytes + k * 1024, 0x20)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constant(Buffer.from([0x22, 0xc0, 0xaf, 0xff, 0x22])) },
  );
}

type Framing = 'length' | 'chunked' | 'bad-chunks' | 'truncated' | 'lying-length' | 'no-length';

function headers(world: FuzzWorld): fc.Arbitrary<string[]> {
  const token = fc.constantFrom(...world.tokens);
  const auth = fc.oneof(
    fc.constant(null),
    token.map((t) => `Authorization: Bearer ${t}`),
    token.map((t) => `Authorization: Bearer ${t}`),
    fc.constantFrom('Authorization: Bearer', 'Authorization: Basic dXNlcjpwYXNz', 'Authorization: bearer  x y', `Authorization: Bearer ${'a'.repeat(5000)}`),
  );
  const upgrade = fc.oneof(
    { weight: 3, arbitrary: fc.constant([] as string[]) },
    {
      weight: 2,
      arbitrary: fc
        .record({
          key: fc.constantFrom('dGhlIHNhbXBsZSBub25jZQ==', 'dGhlIHNhbXBsZSBub25jZQ==', 'dGhlIHNhbXBsZSBub25jZQ==', 'short', ''),
          version: fc.constantFrom('13', '13', '13', '8', 'x'),
          protocol: fc.oneof(fc.constant(null), token.map((t) => `dl-v1, dl-token.${t}`), fc.constantFrom('dl-token.x', 'dl-v1', 'chat, dl-token.a, dl-token.b')),
          upgrade: fc.constantFrom('websocket', 'websocket', 'WebSocket', 'h2c', ''),
        })
        .map(({ key, version, protocol, upgrade: u }) => [
          'Connection: Upgrade',
          `Upgrade: ${u}`,
          `Sec-WebSocket-Key: ${key}`,
          `Sec-WebSocket-Version: ${version}`,
          ...(protocol === null ? [] : [`Sec-WebSocket-Protocol: ${protocol}`]),
        ]),
    },
  );
  const contentType = fc.constantFrom(null, 'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'multipart/form-data; boundary=x', 'image/png', 'image/webp');
  const extra = fc.array(
    fc.oneof(
      { weight: 12, arbitrary: fc.tuple(fc.constantFrom('X-User-Id', 'X-Forwarded-For', 'If-None-Match', 'Accept', 'Cookie', 'Origin', 'Host', 'Expect'), printable).map(([n, v]) => `${n}: ${v}`) },
      { weight: 1, arbitrary: fc.tuple(printable, anyText).map(([n, v]) => `${n}: ${v}`) },
      { weight: 1, arbitrary: fc.constant(`X-Big: ${'b'.repeat(20_000)}`) },
    ),
    { maxLength: 2 },
  );
  const host = fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
  return fc
    .tuple(host, auth, upgrade, contentType, extra)
    .map(([host, a, u, ct, x]) => [...(host ? ['Host: h'] : []), ...(a === null ? [] : [a]), ...u, ...(ct === null ? [] : [`Content-Type: ${ct}`]), ...x]);
}

/** A WebSocket handshake as a client would send it, to a session's room, with one of the tokens (or none). */
function handshake(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const room = fc.tuple(fc.constantFrom(...world.sessionIds), fc.constantFrom('table', 'gm', 'players/fuzzy', 'players/pat'));
  const token = fc.constantFrom(...world.tokens);
  const via = fc.oneof(
    token.map((t) => ({ query: `?token=${encodeURIComponent(t)}`, header: [] as string[] })),
    token.map((t) => ({ query: '', header: [`Sec-WebSocket-Protocol: dl-v1, dl-token.${t}`] })),
    fc.constant({ query: '', header: [] as string[] }),
  );
  const early = fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) });
  return fc.tuple(room, via, fc.constantFrom('', '&dl=1', '&seq=9007199254740993', '&dl=2&seq=3'), early).map(([[id, doc], { query, header }, extra, data]) => {
    const q = query === '' ? (extra === '' ? '' : `?${extra.slice(1)}`) : query + extra;
    const lines = [`GET /sessions/${id}/${doc}${q} HTTP/1.1`, 'Host: h', 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', ...header];
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    const parts = data === null ? [head] : [head, data];
    return { parts, truncated: false, head: false, upgrade: true, bodyBytes: data?.byteLength ?? 0, overruns: false, summary: `${lines.join(' | ').slice(0, 400)} | early data ${data?.byteLength ?? 0} bytes` };
  });
}

/** A call of one of the API's endpoints with a token and a JSON body, so what runs after the access checks is fuzzed too. */
function apiCall(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const endpoint = fc.constantFrom<[string, string]>(
    ['POST', ''], ['GET', ''], ['POST', '/join'], ['GET', '/members'], ['DELETE', '/members/fuzzy'], ['PATCH', '/members/fuzzy'], ['PATCH', '/members/gm-fuzz'],
    ['GET', '/state'], ['GET', '/events'], ['POST', '/events'], ['POST', '/checkpoint'], ['GET', '/checkpoints'], ['POST', '/checkpoints/x/restore'], ['GET', '/approvals'], ['GET', '/audit'],
  );
  return fc
    .tuple(endpoint, fc.constantFrom(...world.sessionIds), fc.constantFrom(...world.tokens), body(world), fc.constantFrom('', '?from=1', '?limit=1001', '?before=9007199254740993', '?from=9007199254740993'))
    .map(([[method, rest], id, token, data, query]) => {
      const path = rest === '' && method === 'POST' ? '/api/sessions' : rest === '' ? `/api/sessions/${id}` : `/api/sessions/${id}${rest}`;
      return frame(method, path + query, ['Host: h', `Authorization: Bearer ${token}`, 'Content-Type: application/json'], data, 'length');
    });
}

const IMAGES = [pngImage(3, 2), jpegImage(4, 4), webpLossyImage(5, 5), webpLosslessImage(6, 6), webpExtendedImage(7, 7)];

/** What an upload may carry: images, images cut short or with noise behind their signature, new PNGs, bodies past the limit. */
function imageBody(world: FuzzWorld): fc.Arbitrary<Buffer> {
  const image = fc.constantFrom(...IMAGES);
  return fc.oneof(
    { weight: 3, arbitrary: image.map((i) => Buffer.from(i)) },
    { weight: 2, arbitrary: fc.tuple(image, fc.nat()).map(([i, n]) => Buffer.from(i.subarray(0, n % i.byteLength))) },
    { weight: 2, arbitrary: fc.tuple(image, fc.uint8Array({ maxLength: 200 })).map(([i, tail]) => Buffer.concat([i.subarray(0, 16), tail])) },
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })).map(([w, h]) => Buffer.from(pngImage(w, h))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((k) => Buffer.concat([Buffer.from(IMAGES[0]!), Buffer.alloc(world.maxAssetBytes + k * 1024, 0x61)])) },
  );
}

/** The image routes with tokens, types and hashes that reach their handlers ([API11], [API12]). */
function assetCall(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const session = fc.constantFrom(...world.sessionIds);
  const auth = fc.constantFrom(...world.tokens).map((t) => `Authorization: Bearer ${t}`);
  const type = fc.constantFrom('image/png', 'image/jpeg', 'image/webp', 'IMAGE/PNG; name=x', 'image/gif', 'application/json', '');
  const upload = fc
    .tuple(session, auth, type, imageBody(world), fc.constantFrom<Framing>('length', 'length', 'chunked'))
    .map(([id, a, t, data, framing]) => frame('POST', `/api/sessions/${id}/assets`, ['Host: h', a, `Content-Type: ${t}`], data, framing));
  const hash = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...world.assetHashes) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')) },
    { weight: 1, arbitrary: fc.constantFrom('abc', 'A'.repeat(64), '%zz', '..', 'g'.repeat(64), `${'0'.repeat(64)}.png`) },
  );
  const ifNoneMatch = fc.option(fc.oneof(hash.map((h) => `"${h}"`), hash.map((h) => `W/"${h}", "x"`), fc.constantFrom('*', '', '"', printableHeader)));
  const get = fc
    .tuple(fc.constantFrom('GET', 'GET', 'HEAD', 'PUT', 'DELETE'), session, auth, hash, ifNoneMatch)
    .map(([method, id, a, h, inm]) => frame(method, `/api/sessions/${id}/assets/${h}`, ['Host: h', a, ...(inm === null ? [] : [`If-None-Match: ${inm}`])], null, 'length'));
  return fc.oneof(upload, get);
}

export function fuzzRequest(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 6, arbitrary: anyRequest(world) },
    { weight: 2, arbitrary: apiCall(world) },
    { weight: 2, arbitrary: assetCall(world) },
    { weight: 1, arbitrary: handshake(world) },
  );
}

function anyRequest(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const method = fc.oneof(
    { weight: 24, arbitrary: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PATCH', 'DELETE', 'HEAD', 'PUT') },
    { weight: 2, arbitrary: fc.constantFrom(...METHODS) },
    { weight: 1, arbitrary: printable.filter((m) => m.length > 0) },
  );
  const framing = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom<Framing>('length', 'length', 'chunked') },
    { weight: 3, arbitrary: fc.constantFrom<Framing>('bad-chunks', 'truncated', 'lying-length', 'no-length') },
  );
  return fc.tuple(method, target(world), headers(world), body(world), framing).map(([m, t, h, b, f]) => frame(m, t, h, b, f));
}

function frame(method: string, target: string, headers: string[], body: Buffer | null, framing: Framing): FuzzRequest {
  const content = body ?? Buffer.alloc(0);
  const lines = [`${method} ${target} HTTP/1.1`, ...headers, 'Connection: close'];
  let payload: Buffer[] = [];
  let truncated = false;
  if (body !== null || framing === 'lying-length') {
    switch (framing) {
      case 'length':
        lines.push(`Content-Length: ${content.byteLength}`);
        payload = [content];
        break;
      case 'chunked':
        lines.push('Transfer-Encoding: chunked');
        payload = [Buffer.from(`${content.byteLength.toString(16)}\r\n`), content, Buffer.from('\r\n0\r\n\r\n')];
        break;
      case 'bad-chunks':
        lines.push('Transfer-Encoding: chunked');
        payload = [Buffer.from(`zz\r\n`), content, Buffer.from('\r\n')];
        break;
      case 'truncated':
        lines.push(`Content-Length: ${content.byteLength + 100}`);
        payload = [content];
        truncated = true;
        break;
      case 'lying-length':
        lines.push('Content-Length: -5', `Content-Length: ${content.byteLength}`);
        payload = [content];
        break;
      case 'no-length':
        payload = [content];
        break;
    }
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const summary = `${lines.map((l) => (l.length > 120 ? `${l.slice(0, 120)}…(${l.length})` : l)).join(' | ')} | body ${content.byteLength} bytes: ${JSON.stringify(content.subarray(0, 80).toString('latin1'))} (${framing})`;
  const upgrade = headers.includes('Connection: Upgrade') && headers.some((h) => h.startsWith('Upgrade: ') && h !== 'Upgrade: ');
  const bodyBytes = payload.reduce((n, part) => n + part.byteLength, 0);
  const overruns = bodyBytes > 0 && (framing === 'no-length' || framing === 'bad-chunks' || framing === 'lying-length');
  return { parts: [head, ...payload], truncated, head: method === 'HEAD', upgrade, bodyBytes, overruns, summary };
}

/**
 * What is wrong with `answer` to `request`, or null: the server answered
 * (unless the request is still owed body bytes, overruns its framing, or is
 * an upgrade that sent more than it may before its answer), with a parseable status
 * below 500, an error as `{ error }` and nothing that looks like a stack
 * trace or a path of the server's files.
 */
export function answerProblem(request: FuzzRequest, answer: RawAnswer | null, world: FuzzWorld): string | null {
  const overlong = request.upgrade && request.bodyBytes > world.maxPendingUpgradeBytes;
  if (answer === null) return request.truncated || overlong || request.overruns ? null : 'no answer';
  if (answer.status < 100 || answer.status > 599) return `unparseable answer (status ${answer.status})`;
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.body.slice(0, 200)}`;
  if (/\bat .+:\d+:\d+\)?$/m.test(answer.body) || /\/(work|home|src)\/\S+\.(ts|js|mjs)/.test(answer.body)) return `a stack trace or file path in the answer: ${answer.body.slice(0, 200)}`;
  if (answer.status >= 400 && !request.head && !isErrorBody(answer.body)) return `error ${answer.status} without an { error } body: ${answer.body.slice(0, 200)}`;
  return null;
}

/** FUZZ_SEED / FUZZ_RUNS from the environment, with the one line that reproduces a run. */
export function fuzzSettings(env: NodeJS.ProcessEnv, defaults: { seed: number; runs: number }, file: string): { seed: number; runs: number; reproduce: string } {
  const seed = env.FUZZ_SEED === undefined ? defaults.seed : Number(env.FUZZ_SEED);
  const runs = env.FUZZ_RUNS === undefined ? defaults.runs : Number(env.FUZZ_RUNS);
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(runs) || runs < 1) throw new Error('FUZZ_SEED and FUZZ_RUNS must be integers');
  return { seed, runs, reproduce: `FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npx vitest run ${file}` };
}
