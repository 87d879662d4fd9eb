/**
 * Sessions, members and secrets on MongoDB ([SM1]..[SM12], [MO4]). A session
 * is one BSON document with its members embedded and a `version`; every
 * membership write reads it, decides, and writes it back on the condition
 * that `version` is still what it read. Of two processes changing one
 * session at once, one write matches and the other reads again and decides
 * anew, so the checks (exists, is a member, is the last GM) cannot be raced
 * — MongoDB makes one document's update atomic without a transaction.
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
import { checkBytes, checkLimit, checkMember, checkName, checkSession, creatorOf, isRole, newestJoinedFirst } from '@dungeon-lab/store/input';
import type { MongoContext, MongoHandles } from './mongo-context.ts';
import { binary, bytesOf, isDuplicateKey, type MemberDoc, type SessionDoc, unreadable } from './mongo-db.ts';

/** A decision on a session's members: the answer, and the members to write (none when nothing changes). */
type Decision<R> = { readonly answer: R; readonly members?: readonly StoredMember[] };

/** Conditional writes a call may lose in a row before it gives up; each loss means another write landed. */
const MAX_ATTEMPTS = 100;

export class MongoSessions implements SessionStore, SecretStore {
  readonly #ctx: MongoContext;

  constructor(ctx: MongoContext) {
    this.#ctx = ctx;
  }

  createSession(input: StoredSession, creatorName?: string): Promise<CreateSessionResult> {
    return this.#ctx.run(async ({ c }) => {
      const session = checkSession(input);
      const creator = checkedMember(creatorOf(session, creatorName));
      const { id, name, joinCode, createdBy, createdAt } = session;
      try {
        // One document: the session never exists without its first GM ([SM2]); the _id index makes one create win.
        await c.sessions.insertOne({ _id: checkName(id, 'session id'), name, joinCode, createdBy, createdAt, members: [creator], version: 0 });
        return { status: 'created' };
      } catch (err) {
        if (isDuplicateKey(err)) return { status: 'exists' };
        throw err;
      }
    });
  }

  getSession(id: string): Promise<StoredSession | null> {
    return this.#ctx.run(async ({ c }) => {
      const doc = await c.sessions.findOne({ _id: checkName(id, 'session id') }, { projection: { members: 0 } });
      return doc === null ? null : sessionOf(doc);
    });
  }

  async addMember(sessionId: string, input: StoredMember): Promise<AddMemberResult> {
    const member = checkedMember(checkMember(input));
    return this.#change(sessionId, (members): Decision<AddMemberResult> => {
      if (members === null) return { answer: { status: 'no-session' } };
      const stored = members.find((m) => m.userId === member.userId);
      if (stored === undefined) return { answer: { status: 'added', member }, members: [...members, member] };
      // Joining again renames, and changes nothing else ([SM12]).
      if (member.name === undefined || member.name === stored.name) return { answer: { status: 'exists', member: stored } };
      const renamed: StoredMember = { ...stored, name: member.name };
      return { answer: { status: 'exists', member: renamed }, members: members.map((m) => (m === stored ? renamed : m)) };
    });
  }

  async setMemberRole(sessionId: string, userId: string, role: SessionRole): Promise<SetRoleResult> {
    if (!isRole(role)) throw new TypeError(`role ${JSON.stringify(role)} is not "gm" or "player"`);
    return this.#change(sessionId, (members): Decision<SetRoleResult> => {
      const stored = members?.find((m) => m.userId === userId);
      if (members === null || stored === undefined) return { answer: { status: 'not-member' } };
      if (stored.role === 'gm' && role !== 'gm' && gmCount(members) <= 1) return { answer: { status: 'last-gm' } };
      const member: StoredMember = { ...stored, role };
      return { answer: { status: 'updated', member, previous: stored.role }, members: members.map((m) => (m === stored ? member : m)) };
    });
  }

  removeMember(sessionId: string, userId: string): Promise<RemoveMemberResult> {
    return this.#change(sessionId, (members): Decision<RemoveMemberResult> => {
      const stored = members?.find((m) => m.userId === userId);
      if (members === null || stored === undefined) return { answer: { status: 'not-member' } };
      if (stored.role === 'gm' && gmCount(members) <= 1) return { answer: { status: 'last-gm' } };
      return { answer: { status: 'removed', member: stored }, members: members.filter((m) => m !== stored) };
    });
  }

  listMembers(sessionId: string): Promise<StoredMember[]> {
    return this.#ctx.run(async (handles) => (await readSession(handles, sessionId))?.members ?? []);
  }

  memberRole(sessionId: string, userId: string): Promise<SessionRole | null> {
    return this.#ctx.run(async (handles) => (await readSession(handles, sessionId))?.members.find((m) => m.userId === userId)?.role ?? null);
  }

  listSessionsOf(userId: string, limit: number): Promise<SessionOfUser[]> {
    return this.#ctx.run(async ({ c }) => {
      const user = checkName(userId, 'user id');
      if (checkLimit(limit) === 0) return [];
      // The order is by the membership's time, which lives inside the session document, so the sort is
      // ours: a user belongs to a handful of sessions, not to thousands.
      const docs = await c.sessions.find({ 'members.userId': user }).toArray();
      return docs
        .flatMap((doc): SessionOfUser[] => {
          const member = membersOf(doc).find((m) => m.userId === user);
          return member === undefined ? [] : [{ session: sessionOf(doc), role: member.role, joinedAt: member.joinedAt }];
        })
        .sort(newestJoinedFirst)
        .slice(0, limit);
    });
  }

  claimSecret(name: string, candidate: Uint8Array): Promise<Uint8Array> {
    return this.#ctx.run(async ({ c }) => {
      const key = checkName(name, 'secret name');
      const data = binary(checkBytes(candidate, `secret ${JSON.stringify(key)}`));
      try {
        await c.secrets.insertOne({ _id: key, data });
      } catch (err) {
        // Another claim won: every claimant gets the one stored value ([SM9]).
        if (!isDuplicateKey(err)) throw err;
      }
      const stored = await c.secrets.findOne({ _id: key });
      if (stored === null) throw unreadable(`secret ${JSON.stringify(key)}`);
      return bytesOf(stored.data, `secret ${JSON.stringify(key)}`);
    });
  }

  /**
   * Read, decide, write back on the version read; a lost race reads again
   * ([SM3], [SM5], [SM12]). `decide` gets null for a session that does not exist.
   */
  #change<R>(sessionId: string, decide: (members: StoredMember[] | null) => Decision<R>): Promise<R> {
    return this.#ctx.run(async (handles) => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const stored = await readSession(handles, sessionId);
        const { answer, members } = decide(stored?.members ?? null);
        if (stored === null || members === undefined) return answer;
        const { matchedCount } = await handles.c.sessions.updateOne(
          { _id: stored.id, version: stored.version },
          { $set: { members: members.map(memberDoc), version: stored.version + 1 } },
        );
        if (matchedCount === 1) return answer;
      }
      throw new Error(`mongo store: session ${JSON.stringify(sessionId)} changed under ${MAX_ATTEMPTS} attempts in a row`);
    });
  }
}

async function readSession({ c }: MongoHandles, sessionId: string): Promise<{ id: string; version: number; members: StoredMember[] } | null> {
  const id = checkName(sessionId, 'session id');
  const doc = await c.sessions.findOne({ _id: id });
  if (doc === null) return null;
  if (!Number.isSafeInteger(doc.version)) throw unreadable(`the version of session ${JSON.stringify(id)}`);
  return { id, version: doc.version, members: membersOf(doc) };
}

/** A member's user id becomes an indexed value: refuse what BSON could not keep distinct. */
function checkedMember(member: StoredMember): StoredMember {
  checkName(member.userId, 'member userId');
  return member;
}

function memberDoc(member: StoredMember): MemberDoc {
  const { userId, role, joinedAt, name } = member;
  return name === undefined ? { userId, role, joinedAt } : { userId, role, joinedAt, name };
}

/** Every member, checked as it is read: a member that cannot be read rejects the read, it could hide a GM ([LM2]). */
function membersOf(doc: SessionDoc): StoredMember[] {
  if (!Array.isArray(doc.members)) throw unreadable(`the members of session ${JSON.stringify(doc._id)}`);
  return doc.members.map((m) => {
    try {
      return checkMember({ userId: m.userId, role: m.role, joinedAt: m.joinedAt, name: m.name ?? undefined });
    } catch (err) {
      throw unreadable(`a member of session ${JSON.stringify(doc._id)}`, err);
    }
  });
}

function sessionOf(doc: Omit<SessionDoc, 'members'>): StoredSession {
  try {
    return checkSession({ id: doc._id, name: doc.name, joinCode: doc.joinCode, createdBy: doc.createdBy, createdAt: doc.createdAt });
  } catch (err) {
    throw unreadable(`session ${JSON.stringify(doc._id)}`, err);
  }
}

function gmCount(members: readonly StoredMember[]): number {
  return members.filter((m) => m.role === 'gm').length;
}
