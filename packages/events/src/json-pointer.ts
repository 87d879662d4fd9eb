/** Thrown for text that is not an RFC 6901 JSON Pointer, or an array index that does not fit. */
export class JsonPointerError extends Error {
  override readonly name = 'JsonPointerError';
}

/** `~` → `~0`, `/` → `~1` (in that order, so `~1` in a key survives as `~01`). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Inverse of escapePointerToken; `~` followed by anything but 0 or 1 is an error ([EM3]). */
export function unescapePointerToken(token: string): string {
  if (/~(?![01])/.test(token)) throw new JsonPointerError(`invalid escape in "${token}"`);
  // ~1 first: decoding ~0 first would turn "~01" into "/" instead of "~1".
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** RFC 6901: `""` is the whole document, otherwise `/`-separated unescaped tokens ([EM3]). */
export function parsePointer(pointer: string): string[] {
  if (typeof pointer !== 'string') throw new JsonPointerError('a JSON Pointer must be a string');
  if (pointer === '') return [];
  if (pointer[0] !== '/') throw new JsonPointerError(`"${pointer}" does not start with "/"`);
  return pointer.slice(1).split('/').map(unescapePointerToken);
}

/** parsePointer for readers, to whom a malformed pointer names nothing: undefined instead of a throw. */
export function parsePointerOrUndefined(pointer: string): string[] | undefined {
  try {
    return parsePointer(pointer);
  } catch (err) {
    if (err instanceof JsonPointerError) return undefined;
    throw err;
  }
}

export function formatPointer(tokens: readonly string[]): string {
  let out = '';
  for (const token of tokens) out += `/${escapePointerToken(token)}`;
  return out;
}

/** The token that names the position after an array's last element (only an `add` target may use it). */
export const END_OF_ARRAY = '-';

/**
 * The array index a token names ([EM3]): decimal digits without leading zeros
 * and below `length`, or up to `length` inclusive (and `-`) when `allowEnd`
 * because the target is an insertion point.
 */
export function parseArrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (token === END_OF_ARRAY) {
    if (allowEnd) return length;
    throw new JsonPointerError(`"-" names no existing element`);
  }
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPointerError(`"${token}" is not an array index`);
  const index = Number(token);
  if (index > length || (index === length && !allowEnd)) {
    throw new JsonPointerError(`index ${token} is out of bounds (length ${length})`);
  }
  return index;
}

/** Whether `prefix` names an ancestor of `of` (not `of` itself). */
export function isProperPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  if (prefix.length >= of.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== of[i]) return false;
  return true;
}
