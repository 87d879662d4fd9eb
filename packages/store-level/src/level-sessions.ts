/**
 * The session half of the LevelDB store ([SM1]..[SM12], [LM1]..[LM3] in
 * docs/storage.md). Writes to one session run one at a time through a
 * per-session queue, so a check (exists, is a member, is the last GM) and the
 * write it guards cannot be raced in this process; LevelDB's lock ([L3])
 * keeps other processes out. Every membership write carries its user-index
 * entry in the same batch, so the index is never behind the members.
 */
import type {
  AddMemberResult,
  CreateSessionResult,
  RemoveMemberResult,
  SecretStore,
  SessionOfUser,
  SessionRole,
  SessionStore,
  SetRoleResult,
  StoredMember,
  StoredSession,
} from '@dungeon-lab/store';
import { checkLimit, creatorOf } from '@dungeon-lab/store/input';
import type { ClassicLevel } from 'classic-level';
import type { GroupCommit } from './group-commit.ts';
import { readable as decode } from './stored-json.ts';
import { createKeyedQueue } from './keyed-queue.ts';
import { USER_INDEX_KEY } from './key-layout.ts';
import {
  ALL_SESSION_KEYS,
  memberKey,
  memberOfKey,
  memberRange,
  parseUserSessionKey,
  secretKey,
  sessionKey,
  sessionPrefix,
  userIdOfMemberKey,
  userSessionKey,
  userSessionRange,
} from './session-key-layout.ts';
import {
  checkMember,
  checkSession,
  decodeMemberValue,
  decodeSessionValue,
  encodeMemberValue,
  encodeSessionValue,
  isRole,
} from './session-value.ts';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

export class LevelSessions implements SessionStore, SecretStore {
  readonly #db: Db;
  readonly #writes: GroupCommit;
  readonly #assertOpen: () => void;
  readonly #sessionQueue = createKeyedQueue();
  readonly #secretQueue = createKeyedQueue();

  constructor(db: Db, writes: GroupCommit, assertOpen: () => void) {
    this.#db = db;
    this.#writes = writes;
    this.#assertOpen = assertOpen;
  }

  async createSession(input: StoredSession, creatorName?: string): Promise<CreateSessionResult> {
    this.#assertOpen();
    const session = checkSession(input);
    const prefix = sessionPrefix(session.id);
    const creator = creatorOf(session, creatorName);
    const creatorKey = memberKey(prefix, creator.userId);
    return this.#sessionQueue.run(session.id, async () => {
      this.#assertOpen();
      if (await this.#db.has(sessionKey(prefix))) return { status: 'exists' };
      // One batch: a session never exists without its first GM, not even after a crash.
      await this.#writes.write(
        [
          { type: 'put', key: sessionKey(prefix), value: encodeSessionValue(session) },
          ...memberPuts(session.id, creatorKey, creator),
        ],
      );
      return { status: 'created' };
    });
  }

  async getSession(id: string): Promise<StoredSession | null> {
    this.#assertOpen();
    const value = await this.#db.get(sessionKey(sessionPrefix(id)));
    return value === undefined ? null : decode(`session ${JSON.stringify(id)}`, () => decodeSessionValue(id, value));
  }

  async addMember(sessionId: string, input: StoredMember): Promise<AddMemberResult> {
    this.#assertOpen();
    const prefix = sessionPrefix(sessionId);
    const member = checkMember(input);
    const key = memberKey(prefix, member.userId);
    return this.#sessionQueue.run(sessionId, async () => {
      this.#assertOpen();
      if (!(await this.#db.has(sessionKey(prefix)))) return { status: 'no-session' };
      const stored = await this.#readMember(sessionId, key, member.userId);
      if (stored === null) {
        await this.#writes.write(memberPuts(sessionId, key, member));
        return { status: 'added', member };
      }
      // Joining again renames, and changes nothing else ([SM12]).
      if (member.name === undefined || member.name === stored.name) return { status: 'exists', member: stored };
      const renamed: StoredMember = { ...stored, name: member.name };
      await this.#writes.write(memberPuts(sessionId, key, renamed));
      return { status: 'exists', member: renamed };
    });
  }

  async setMemberRole(sessionId: string, userId: string, role: SessionRole): Promise<SetRoleResult> {
    this.#assertOpen();
    const prefix = sessionPrefix(sessionId);
    const key = memberKey(prefix, userId);
    if (!isRole(role)) throw new TypeError(`role ${JSON.stringify(role)} is not "gm" or "player"`);
    return this.#sessionQueue.run(sessionId, async () => {
      this.#assertOpen();
      const stored = await this.#readMember(sessionId, key, userId);
      if (stored === null) return { status: 'not-member' };
      if (stored.role === 'gm' && role !== 'gm' && (await this.#gmCount(sessionId, prefix)) <= 1) {
        return { status: 'last-gm' };
      }
      const member: StoredMember = { ...stored, role };
      await this.#writes.write(memberPuts(sessionId, key, member));
      return { status: 'updated', member, previous: stored.role };
    });
  }

  async removeMember(sessionId: string, userId: string): Promise<RemoveMemberResult> {
    this.#assertOpen();
    const prefix = sessionPrefix(sessionId);
    const key = memberKey(prefix, userId);
    return this.#sessionQueue.run(sessionId, async () => {
      this.#assertOpen();
      const stored = await this.#readMember(sessionId, key, userId);
      if (stored === null) return { status: 'not-member' };
      if (stored.role === 'gm' && (await this.#gmCount(sessionId, prefix)) <= 1) return { status: 'last-gm' };
      await this.#writes.write([
        { type: 'del', key: key },
        { type: 'del', key: userSessionKey(userId, stored.joinedAt, sessionId) },
      ]);
      return { status: 'removed', member: stored };
    });
  }

  async listMembers(sessionId: string): Promise<StoredMember[]> {
    this.#assertOpen();
    return this.#members(sessionId, sessionPrefix(sessionId));
  }

  async memberRole(sessionId: string, userId: string): Promise<SessionRole | null> {
    this.#assertOpen();
    const member = await this.#readMember(sessionId, memberKey(sessionPrefix(sessionId), userId), userId);
    return member?.role ?? null;
  }

  async listSessionsOf(userId: string, limit: number): Promise<SessionOfUser[]> {
    this.#assertOpen();
    const range = userSessionRange(userId);
    if (checkLimit(limit) === 0) return [];
    const entries = await this.#db.iterator({ ...range, limit: Math.min(limit, MAX_NATIVE_LIMIT) }).all();
    return Promise.all(
      entries.map(async ([key, value]): Promise<SessionOfUser> => {
        const what = `session index entry of user ${JSON.stringify(userId)}`;
        const { joinedAt, sessionId } = decode(what, () => parseUserSessionKey(userId, key));
        const member = decode(what, () => decodeMemberValue(userId, value));
        const session = await this.getSession(sessionId);
        // Sessions are never deleted, and the index is written with the member: anything else is damage.
        if (session === null || member.joinedAt !== joinedAt) throw new Error(`level store: ${what} names no session it belongs to`);
        return { session, role: member.role, joinedAt };
      }),
    );
  }

  async claimSecret(name: string, candidate: Uint8Array): Promise<Uint8Array> {
    this.#assertOpen();
    const key = secretKey(name);
    if (!(candidate instanceof Uint8Array)) throw new TypeError(`secret ${JSON.stringify(name)} must be a Uint8Array`);
    const copy = new Uint8Array(candidate);
    return this.#secretQueue.run(name, async () => {
      this.#assertOpen();
      const stored = await this.#db.get(key);
      if (stored !== undefined) return stored;
      // Always synced: a signing key lost to a power cut would silently log everyone out.
      await this.#db.put(key, copy, { sync: true });
      return new Uint8Array(copy);
    });
  }

  async #readMember(sessionId: string, key: Uint8Array, userId: string): Promise<StoredMember | null> {
    const value = await this.#db.get(key);
    if (value === undefined) return null;
    return decode(`member ${JSON.stringify(userId)} of session ${JSON.stringify(sessionId)}`, () =>
      decodeMemberValue(userId, value),
    );
  }

  async #members(sessionId: string, prefix: Uint8Array): Promise<StoredMember[]> {
    const entries = await this.#db.iterator(memberRange(prefix)).all();
    return entries.map(([key, value]) =>
      decode(`a member of session ${JSON.stringify(sessionId)}`, () =>
        decodeMemberValue(userIdOfMemberKey(prefix, key), value),
      ),
    );
  }

  async #gmCount(sessionId: string, prefix: Uint8Array): Promise<number> {
    return (await this.#members(sessionId, prefix)).filter((m) => m.role === 'gm').length;
  }
}

/** LevelDB's native iterator limit is a signed 32-bit int. */
const MAX_NATIVE_LIMIT = 0x7fffffff;

/** A member as written: its key and its user-index entry, always in one batch ([LM3]). */
function memberPuts(sessionId: string, key: Uint8Array, member: StoredMember): Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }> {
  return [{ type: 'put', key, value: encodeMemberValue(member) }, userIndexPut(sessionId, member)];
}

function userIndexPut(sessionId: string, member: StoredMember): { type: 'put'; key: Uint8Array; value: Uint8Array } {
  return { type: 'put', key: userSessionKey(member.userId, member.joinedAt, sessionId), value: encodeMemberValue(member) };
}

/**
 * Builds the user index of a data directory written before it existed
 * ([LM3]): every member key gets its entry, in one synced batch with the
 * marker, before the store takes any write. An interrupted build left nothing
 * and runs again at the next open.
 */
export async function ensureUserIndex(db: Db): Promise<void> {
  if ((await db.get(USER_INDEX_KEY)) !== undefined) return;
  const batch: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }> = [];
  for await (const [key, value] of db.iterator(ALL_SESSION_KEYS)) {
    const ids = memberOfKey(key);
    if (ids === null) continue;
    const member = decode(`member ${JSON.stringify(ids.userId)} of session ${JSON.stringify(ids.sessionId)}`, () =>
      decodeMemberValue(ids.userId, value),
    );
    batch.push(userIndexPut(ids.sessionId, member));
  }
  batch.push({ type: 'put', key: USER_INDEX_KEY, value: new Uint8Array(0) });
  await db.batch(batch, { sync: true });
}
