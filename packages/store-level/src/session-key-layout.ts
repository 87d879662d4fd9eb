/**
 * Keys of sessions, members and secrets (docs/storage.md, [LM1]). Every key
 * of one session starts with the session's prefix (namespace 0x03,
 * length-prefixed id, see key-layout.ts), then one byte says what it holds:
 *
 *   prefix | 0x01                -> session value (session-value.ts)
 *   prefix | 0x02 | utf8(userId) -> member value
 *
 * Secrets live in namespace 0x04, keyed by their UTF-8 name; nothing follows
 * the name, so it needs no length prefix.
 *
 * Each membership is also indexed under its user ([LM3]), namespace 0x07:
 *
 *   userPrefix | 0x01 | u64 BE (2^53 - 1 - joinedAt) | utf8(sessionId) -> member value
 *
 * The inverted time makes key order newest-joined first, so a user's latest
 * sessions are one forward range read.
 */
import {
  type KeyRange,
  kindKey,
  kindRange,
  NAME_OFFSET,
  namedPrefix,
  SECRET_NAMESPACE,
  SESSION_NAMESPACE,
  textAfterKind,
  USER_NAMESPACE,
  wellFormedUtf8,
} from './key-layout.ts';

const SESSION = 0x01;
const MEMBER = 0x02;
const USER_SESSION = 0x01;
const TIME_BYTES = 8;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The key prefix shared by every key of session `id` and by nothing else. */
export function sessionPrefix(id: string): Uint8Array {
  return namedPrefix(SESSION_NAMESPACE, id, 'session id');
}

export function sessionKey(prefix: Uint8Array): Uint8Array {
  return kindKey(prefix, SESSION);
}

export function memberKey(prefix: Uint8Array, userId: string): Uint8Array {
  return kindKey(prefix, MEMBER, wellFormedUtf8(userId, 'user id'));
}

/** Exactly the member keys of one session. */
export function memberRange(prefix: Uint8Array): KeyRange {
  return kindRange(prefix, MEMBER);
}

export function userIdOfMemberKey(prefix: Uint8Array, key: Uint8Array): string {
  return textAfterKind(prefix, key);
}

export function secretKey(name: string): Uint8Array {
  const encoded = wellFormedUtf8(name, 'secret name');
  const key = new Uint8Array(1 + encoded.byteLength);
  key[0] = SECRET_NAMESPACE;
  key.set(encoded, 1);
  return key;
}

function userPrefix(userId: string): Uint8Array {
  return namedPrefix(USER_NAMESPACE, userId, 'user id');
}

/** The index key of `userId`'s membership in `sessionId`, joined at `joinedAt` (a non-negative safe integer). */
export function userSessionKey(userId: string, joinedAt: number, sessionId: string): Uint8Array {
  const id = wellFormedUtf8(sessionId, 'session id');
  const rest = new Uint8Array(TIME_BYTES + id.byteLength);
  const inverted = Number.MAX_SAFE_INTEGER - joinedAt;
  const view = new DataView(rest.buffer);
  view.setUint32(0, Math.floor(inverted / 2 ** 32));
  view.setUint32(4, inverted % 2 ** 32);
  rest.set(id, TIME_BYTES);
  return kindKey(userPrefix(userId), USER_SESSION, rest);
}

/** Exactly the index keys of one user, newest joined first. */
export function userSessionRange(userId: string): KeyRange {
  return kindRange(userPrefix(userId), USER_SESSION);
}

/** The join time and session of an index key in `userSessionRange(userId)`. */
export function parseUserSessionKey(userId: string, key: Uint8Array): { joinedAt: number; sessionId: string } {
  const at = userPrefix(userId).byteLength + 1;
  if (key.byteLength < at + TIME_BYTES) throw new RangeError('user index key too short');
  const view = new DataView(key.buffer, key.byteOffset + at, TIME_BYTES);
  const inverted = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
  return { joinedAt: Number.MAX_SAFE_INTEGER - inverted, sessionId: decoder.decode(key.subarray(at + TIME_BYTES)) };
}

/** Every key of every session (namespace 0x03): what the user index is built from. */
export const ALL_SESSION_KEYS: KeyRange = { gte: Uint8Array.of(SESSION_NAMESPACE), lt: Uint8Array.of(SESSION_NAMESPACE + 1) };

/** The session and user of a member key in `ALL_SESSION_KEYS`, or null for a key of another kind. */
export function memberOfKey(key: Uint8Array): { sessionId: string; userId: string } | null {
  const length = new DataView(key.buffer, key.byteOffset + 1, 4).getUint32(0);
  const prefix = key.subarray(0, NAME_OFFSET + length);
  if (key[prefix.byteLength] !== MEMBER) return null;
  return { sessionId: decoder.decode(prefix.subarray(NAME_OFFSET)), userId: textAfterKind(prefix, key) };
}
