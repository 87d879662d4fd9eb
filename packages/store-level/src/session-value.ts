/**
 * Values of session and member keys: UTF-8 JSON of the fields the key does
 * not already hold. Checks run on the way in (bad input is refused before
 * anything is written) and on the way out (an unreadable value rejects the
 * read rather than being skipped or guessed, as [L7] does for logs).
 */
import type { StoredMember, StoredSession } from '@dungeon-lab/store';
import { checkMember, checkSession } from '@dungeon-lab/store/input';
import { parseJsonObject as parse } from './stored-json.ts';

export { checkMember, checkSession, isRole } from '@dungeon-lab/store/input';

const encoder = new TextEncoder();

export function encodeSessionValue(session: StoredSession): Uint8Array {
  const { name, joinCode, createdBy, createdAt } = session;
  return encoder.encode(JSON.stringify({ name, joinCode, createdBy, createdAt }));
}

export function decodeSessionValue(id: string, value: Uint8Array): StoredSession {
  return checkSession({ ...parse(value), id });
}

export function encodeMemberValue(member: StoredMember): Uint8Array {
  const { role, joinedAt, name } = member;
  return encoder.encode(JSON.stringify(name === undefined ? { role, joinedAt } : { role, joinedAt, name }));
}

export function decodeMemberValue(userId: string, value: Uint8Array): StoredMember {
  return checkMember({ ...parse(value), userId });
}
