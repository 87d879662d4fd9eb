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
 */
import { type KeyRange, kindKey, kindRange, namedPrefix, SECRET_NAMESPACE, SESSION_NAMESPACE, textAfterKind, wellFormedUtf8 } from './key-layout.ts';

const SESSION = 0x01;
const MEMBER = 0x02;

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
