import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';

/**
 * Deepest nesting of arrays and objects a body may have. Parsing survives far
 * more, but everything after it that walks a value recursively (validation,
 * checksums, JSON.stringify of an answer) would overflow the stack on a few
 * kilobytes of `[[[[…`. No request of the API nests past a dozen levels.
 */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A request's JSON body: `415` unless it says it is JSON, then as `readBody`,
 * then `400` if it is not UTF-8, not JSON, or nests deeper than MAX_JSON_DEPTH.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new HttpError(415, 'expected content-type application/json');
  const bytes = await readBody(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) throw new HttpError(400, `body nests deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}

/** A body read as it came, with the media type it says it is ([API11]'s uploads). */
export interface RawBody {
  /** The Content-Type's media type, lower case, without parameters: one of the route's types. */
  readonly type: string;
  readonly bytes: Uint8Array;
}

/**
 * A request's body as bytes: `415` unless its Content-Type's media type is
 * one of `types` (checked before a byte is read), then as `readBody`.
 */
export async function readRawBody(req: IncomingMessage, types: readonly string[], maxBytes: number): Promise<RawBody> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!types.includes(type)) throw new HttpError(415, `expected content-type ${types.join(', ')}`);
  const bytes = await readBody(req, maxBytes);
  return { type, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/**
 * The body's bytes: `413` over `maxBytes` — by Content-Length before a byte
 * is read, or as soon as the bytes read pass it, so no more than `maxBytes`
 * is ever held — and `400` if it ends early.
 */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, 'request body ended early');
  }
  return Buffer.concat(chunks, size);
}

/** 413; the connection closes after it, so the rest of a large body is not read. */
function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `body over ${maxBytes} bytes`, { connection: 'close' });
}

/** Whether `value` nests arrays and objects deeper than `limit`; iterative, so depth cannot overflow the check itself. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Reads and drops what is left of a request's body — at most `maxBytes`, for
 * at most `maxMs` — before it is answered. A client still sending when the
 * answer comes (a 401 before its upload ended, a 413) would otherwise have
 * the connection closed under it, and a close with unread data is a reset
 * that can take the answer with it. False when the body was longer or slower
 * than that: the answer then closes the connection.
 */
export function discardRestOfBody(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  // A body announced longer than we would read is not waited for at all.
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let seen = 0;
    const done = (drained: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done(false);
    };
    const onEnd = () => done(true);
    const onClose = () => done(req.complete);
    const timer = setTimeout(() => done(false), maxMs);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.resume();
  });
}
