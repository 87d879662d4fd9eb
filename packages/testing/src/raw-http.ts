/**
 * HTTP/1.1 over a bare TCP socket, for tests that send what `fetch` refuses
 * to: any request line, any header, a truncated or lying body.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const HEAD_END = '\r\n\r\n';

/**
 * Writes `request` (one buffer or several, written in turn) to the server at
 * `url` and reads the first answer: its head and, after a 101, nothing more;
 * otherwise the body its Content-Length (or chunked framing, or the close)
 * says. Null when the server closed or stayed silent for `timeoutMs` without
 * a complete head.
 */
export function sendRaw(url: string, request: string | Buffer | ReadonlyArray<string | Buffer>, timeoutMs = 5_000): Promise<RawAnswer | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (answer: RawAnswer | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(parse(data, true)), timeoutMs);
    socket.on('error', () => finish(parse(data, true)));
    socket.on('close', () => finish(parse(data, true)));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const answer = parse(data, false);
      if (answer !== null) finish(answer);
    });
    socket.on('connect', () => {
      for (const part of typeof request === 'string' || Buffer.isBuffer(request) ? [request] : request) {
        if (!socket.destroyed) socket.write(part);
      }
    });
  });
}

/** The first answer in `data`, or null while it is incomplete (`ended`: no more bytes will come). */
function parse(data: Buffer, ended: boolean): RawAnswer | null {
  const text = data.toString('latin1');
  const end = text.indexOf(HEAD_END);
  if (end < 0) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(end + HEAD_END.length);
  // Interim answers (100 Continue) come before the answer.
  if (status >= 100 && status < 200 && status !== 101) return parse(rest, ended);
  if (status === 101 || status === 304 || status === 204) return { status, headers, body: '' };
  const length = headers['content-length'];
  if (length !== undefined) {
    if (rest.byteLength < Number(length)) return ended ? { status, headers, body: rest.toString('utf8') } : null;
    return { status, headers, body: rest.subarray(0, Number(length)).toString('utf8') };
  }
  if (headers['transfer-encoding'] === 'chunked') {
    const body = dechunk(rest);
    return body !== null ? { status, headers, body } : ended ? { status, headers, body: rest.toString('utf8') } : null;
  }
  return ended ? { status, headers, body: rest.toString('utf8') } : null;
}

function dechunk(data: Buffer): string | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    if (data.byteLength < lineEnd + 2 + size + 2) return null;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** The headers of a WebSocket upgrade (RFC 6455 §4.1) for `Host: h`. */
export const UPGRADE_HEADERS = 'Host: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** `{ error }` with a non-empty message and nothing else a client could mistake for data: the shape of every API error. */
export function isErrorBody(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    const { error, requestId, ...rest } = parsed as { error?: unknown; requestId?: unknown };
    return typeof error === 'string' && error.length > 0 && (requestId === undefined || typeof requestId === 'string') && Object.keys(rest).length === 0;
  } catch {
    return false;
  }
}
