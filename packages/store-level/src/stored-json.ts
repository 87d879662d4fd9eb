/**
 * What the JSON values of the store (sessions, members, assets) share: how
 * they are parsed, and that a value which cannot be read rejects the read
 * with what it was ([LM2]), never skipped or guessed.
 */
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 JSON that must be an object; throws otherwise. */
export function parseJsonObject(value: Uint8Array): object {
  const parsed: unknown = JSON.parse(decoder.decode(value));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('value is not a JSON object');
  return parsed;
}

/** `read()`, with a failure turned into "level store: <what> is unreadable" (the cause kept). */
export function readable<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new Error(`level store: ${what} is unreadable`, { cause: err });
  }
}
