import { digest } from 'lib0/hash/sha256';
import { toHexString } from 'lib0/buffer';
import { encodeUtf8 } from 'lib0/string';
import type { JsonValue } from './json.ts';

/** Thrown for values that have no canonical JSON form (non-finite numbers, undefined, cycles, class instances). */
export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError';
}

/**
 * RFC 8785-style canonical JSON ([EM1]): object keys sorted by UTF-16 code
 * units (what `Array.prototype.sort` does without a comparator), no
 * whitespace, numbers and strings exactly as `JSON.stringify` prints them
 * (ECMAScript number formatting is what RFC 8785 specifies). Checksums are
 * computed over this text, so two peers that agree on a value agree on its
 * checksum whatever order they built its keys in.
 */
export function canonicalJson(value: JsonValue): string {
  const out: string[] = [];
  write(value, out, new Set());
  return out.join('');
}

function write(value: unknown, out: string[], ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`not a finite number: ${value}`);
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(`not a JSON value: ${typeof value}`);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (ancestors.has(value)) throw new CanonicalJsonError('cyclic value');
  ancestors.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      // Holes read as undefined and are rejected like any other non-JSON value.
      write(value[i], out, ancestors);
    }
    out.push(']');
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError('not a plain object');
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out.push('{');
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write(record[key], out, ancestors);
    }
    out.push('}');
  }
  ancestors.delete(value);
}

/** UTF-8 bytes of the canonical JSON text: what payload size limits count ([EM2]). */
export function canonicalBytes(value: JsonValue): Uint8Array {
  // JSON.stringify escapes lone surrogates (ES2019), so the text is always valid UTF-16 and encodes losslessly.
  return encodeUtf8(canonicalJson(value));
}

/** `sha256:` + lower-case hex sha256 of the UTF-8 canonical JSON ([EM2]). */
export function payloadChecksum(payload: JsonValue): string {
  return checksumOfBytes(canonicalBytes(payload));
}

/** Size of a payload for limits: UTF-8 length of its canonical JSON ([EM2]). */
export function payloadBytes(payload: JsonValue): number {
  return canonicalBytes(payload).length;
}

/** Checksum of already-canonical bytes, so callers that also need the size encode once. */
export function checksumOfBytes(bytes: Uint8Array): string {
  return `sha256:${toHexString(digest(bytes))}`;
}
