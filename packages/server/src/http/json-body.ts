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
 * A request's JSON body: `415` unless it says it is JSON, `413` over
 * `maxBytes` (by Content-Length before reading, or while reading), `400` if it
 * ends early, is not UTF-8, not JSON, or nests deeper than MAX_JSON_DEPTH.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new HttpError(415, 'expected content-type application/json');
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
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.concat(chunks)));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) throw new HttpError(400, `body nests deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
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
