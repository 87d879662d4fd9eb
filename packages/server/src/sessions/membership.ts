import type {
  RemoveMemberResult,
  SessionOfUser,
  SessionRole,
  SessionStore,
  SetRoleResult,
  StoredMember,
  StoredSession,
} from '@dungeon-lab/store';
import type { Principal } from '../auth/principal.ts';
import { type RoomBus, type Unsubscribe, sessionChannel } from '../bus/room-bus.ts';
import { memberName } from './member-name.ts';
import { joinCodeMatches, newJoinCode, newSessionId } from './session-codes.ts';

/** A member's role changed; `role` null means they are no longer a member. */
export interface MembershipChange {
  readonly sessionId: string;
  readonly userId: string;
  readonly role: SessionRole | null;
}

export type JoinResult =
  | { readonly status: 'joined' | 'already-member'; readonly role: SessionRole }
  | { readonly status: 'no-session' }
  | { readonly status: 'wrong-code' };

const DEFAULT_CACHE_ENTRIES = 10_000;
const CREATE_ATTEMPTS = 3;

export interface MembershipOptions {
  readonly store: SessionStore;
  /** Changes are published on it, and changes other processes made are heard from it ([SM13]). */
  readonly bus: RoomBus;
  readonly maxCacheEntries?: number;
}

/**
 * Sessions and who is in them, for the rest of the server. `roleOf` is what
 * every upgrade and API call asks, so it is cached; every change goes through
 * this service, which updates the cache, bumps `generation`, tells the
 * listeners and publishes the change on the room bus (whose subscribers, the
 * session's rooms, close revoked sockets) in one synchronous step after the
 * store has the change. A change another process made arrives from the bus
 * and takes the same step here, for every session this cache holds a role
 * of. Code that checks a role, awaits something, and then admits a socket
 * compares `generation` before admitting it: if anything changed in between,
 * it checks again, so a removal cannot slip past.
 */
export class Membership {
  readonly #store: SessionStore;
  readonly #bus: RoomBus;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, Promise<SessionRole | null>>();
  /** Sessions with roles in the cache, how many, and the subscription that keeps those roles current. */
  readonly #followed = new Map<string, { keys: number; unsubscribe: Unsubscribe }>();
  readonly #listeners: Array<(change: MembershipChange) => void> = [];
  #generation = 0;

  constructor({ store, bus, maxCacheEntries = DEFAULT_CACHE_ENTRIES }: MembershipOptions) {
    this.#store = store;
    this.#bus = bus;
    this.#maxEntries = maxCacheEntries;
  }

  /** Increases with every membership change. */
  get generation(): number {
    return this.#generation;
  }

  onChange(listener: (change: MembershipChange) => void): void {
    this.#listeners.push(listener);
  }

  /** The user's role in the session, null for a non-member (or an unknown session). Rejects if the store cannot answer. */
  roleOf(sessionId: string, userId: string): Promise<SessionRole | null> {
    const key = cacheKey(sessionId, userId);
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const read = this.#store.memberRole(sessionId, userId);
    this.#remember(sessionId, userId, read);
    // A failed read is not remembered; the promise in the cache is replaced, not patched, by a change.
    read.catch(() => {
      if (this.#cache.get(key) === read) this.#forget(key);
    });
    return read;
  }

  getSession(id: string): Promise<StoredSession | null> {
    return this.#store.getSession(id);
  }

  listMembers(sessionId: string): Promise<StoredMember[]> {
    return this.#store.listMembers(sessionId);
  }

  /** The sessions `userId` belongs to, newest joined first, at most `limit`. */
  sessionsOf(userId: string, limit: number): Promise<SessionOfUser[]> {
    return this.#store.listSessionsOf(userId, limit);
  }

  /** Creates a session with a fresh id and join code; the creator is its GM, under the name their token carries. */
  async createSession(creator: Principal, name: string): Promise<StoredSession> {
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      const session: StoredSession = { id: newSessionId(), name, joinCode: newJoinCode(), createdBy: creator.userId, createdAt: Date.now() };
      const result = await this.#store.createSession(session, memberName(creator.name));
      if (result.status === 'created') {
        this.#changed({ sessionId: session.id, userId: creator.userId, role: 'gm' });
        return session;
      }
    }
    throw new Error(`no free session id after ${CREATE_ATTEMPTS} attempts`);
  }

  /**
   * Joins as a player with the session's code, under the name the token
   * carries; a member joining again keeps the role they have, and takes the
   * token's name when it has one ([SM12]).
   */
  async join(sessionId: string, who: Principal, joinCode: unknown): Promise<JoinResult> {
    const session = await this.#store.getSession(sessionId);
    if (session === null) return { status: 'no-session' };
    if (!joinCodeMatches(session.joinCode, joinCode)) return { status: 'wrong-code' };
    const { userId } = who;
    const name = memberName(who.name);
    const result = await this.#store.addMember(sessionId, { userId, role: 'player', joinedAt: Date.now(), ...(name === undefined ? {} : { name }) });
    if (result.status === 'no-session') return { status: 'no-session' };
    if (result.status === 'added') this.#changed({ sessionId, userId, role: result.member.role });
    return { status: result.status === 'added' ? 'joined' : 'already-member', role: result.member.role };
  }

  async setRole(sessionId: string, userId: string, role: SessionRole): Promise<SetRoleResult> {
    const result = await this.#store.setMemberRole(sessionId, userId, role);
    if (result.status === 'updated') this.#changed({ sessionId, userId, role });
    return result;
  }

  async remove(sessionId: string, userId: string): Promise<RemoveMemberResult> {
    const result = await this.#store.removeMember(sessionId, userId);
    if (result.status === 'removed') this.#changed({ sessionId, userId, role: null });
    return result;
  }

  #changed(change: MembershipChange): void {
    this.#apply(change);
    void this.#bus.publish({ kind: 'membership', change });
  }

  #apply(change: MembershipChange): void {
    this.#remember(change.sessionId, change.userId, Promise.resolve(change.role));
    this.#generation++;
    for (const listener of this.#listeners) listener(change);
  }

  #remember(sessionId: string, userId: string, role: Promise<SessionRole | null>): void {
    const key = cacheKey(sessionId, userId);
    if (!this.#cache.delete(key)) this.#follow(sessionId);
    this.#cache.set(key, role);
    // Map keeps insertion order, so the first key is the least recently stored one.
    if (this.#cache.size > this.#maxEntries) this.#forget(this.#cache.keys().next().value!);
  }

  #forget(key: string): void {
    if (!this.#cache.delete(key)) return;
    const sessionId = sessionOfKey(key);
    const followed = this.#followed.get(sessionId)!;
    if (--followed.keys > 0) return;
    followed.unsubscribe();
    this.#followed.delete(sessionId);
  }

  /** Counts a cached role of `sessionId`; the first one subscribes to the changes other processes make there. */
  #follow(sessionId: string): void {
    const followed = this.#followed.get(sessionId);
    if (followed !== undefined) {
      followed.keys++;
      return;
    }
    const unsubscribe = this.#bus.subscribe(sessionChannel(sessionId), (message, from) => {
      if (message.kind === 'membership' && from !== this.#bus.process) this.#apply(message.change);
    });
    this.#followed.set(sessionId, { keys: 1, unsubscribe });
  }
}

function cacheKey(sessionId: string, userId: string): string {
  // NUL cannot occur in a valid session id, so no two pairs share a key.
  return `${sessionId}\u0000${userId}`;
}

function sessionOfKey(key: string): string {
  return key.slice(0, key.indexOf('\u0000'));
}
