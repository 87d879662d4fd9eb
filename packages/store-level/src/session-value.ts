/**
 * Values of session and member keys: UTF-8 JSON of the fields the key does
 * not already hold. Checks run on the way in (bad input is refused before
 * anything is written) and on the way out (an unreadable value rejects the
 * read rather than being skipped or guessed, as [L7] does for logs).
 */
import type { SessionRole, StoredMember, StoredSession } from '@dungeon-lab/store';
import { isCount as isTime, parseJsonObject as parse } from './stored-json.ts';

const encoder = new TextEncoder();

export function isRole(value: unknown): value is SessionRole {
  return value === 'gm' || value === 'player';
}

export function checkSession(session: unknown): StoredSession {
  if (typeof session !== 'object' || session === null) throw new TypeError('a session must be an object');
  const { id, name, joinCode, createdBy, createdAt } = session as Partial<StoredSession>;
  if (typeof id !== 'string') throw new TypeError('session id must be a string');
  if (typeof name !== 'string') throw new TypeError(`session ${JSON.stringify(id)}: name must be a string`);
  if (typeof joinCode !== 'string') throw new TypeError(`session ${JSON.stringify(id)}: joinCode must be a string`);
  if (typeof createdBy !== 'string') throw new TypeError(`session ${JSON.stringify(id)}: createdBy must be a string`);
  if (!isTime(createdAt)) throw new RangeError(`session ${JSON.stringify(id)}: createdAt must be a non-negative safe integer`);
  return { id, name, joinCode, createdBy, createdAt };
}

export function checkMember(member: unknown): StoredMember {
  if (typeof member !== 'object' || member === null) throw new TypeError('a member must be an object');
  const { userId, role, joinedAt, name } = member as Partial<StoredMember>;
  if (typeof userId !== 'string') throw new TypeError('member userId must be a string');
  if (!isRole(role)) throw new TypeError(`member ${JSON.stringify(userId)}: role must be "gm" or "player"`);
  if (!isTime(joinedAt)) throw new RangeError(`member ${JSON.stringify(userId)}: joinedAt must be a non-negative safe integer`);
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`member ${JSON.stringify(userId)}: name must be a string`);
  // No `name` key at all when there is none: a record from before names were kept reads the same as one without.
  return name === undefined ? { userId, role, joinedAt } : { userId, role, joinedAt, name };
}

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
