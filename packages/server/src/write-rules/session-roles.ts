import type { SessionRole } from '@dungeon-lab/store';
import type { RoomAccess } from '../connection.ts';
import type { MembershipChange } from '../sessions/membership.ts';
import { roomScope } from '../sessions/room-scope.ts';

/** What the role view needs from Membership. */
export interface RoleSource {
  roleOf(sessionId: string, userId: string): Promise<SessionRole | null>;
  onChange(listener: (change: MembershipChange) => void): void;
}

const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * Roles as the write rules need them: synchronously, on the apply path of
 * every update. Membership answers with promises (it may read the store), so
 * a user's role in a session is read into this view when a socket of theirs
 * is admitted to the session's table room, and every membership change lands
 * here in the tick it is made (before revocation closes any socket). Bounded:
 * a role that fell out while its user stayed connected reads as unknown, and
 * that socket is asked to reconnect, which reads it again.
 */
export class SessionRoles {
  readonly #source: RoleSource;
  readonly #roles = new Map<string, SessionRole | null>();
  readonly #maxEntries: number;

  constructor(source: RoleSource, maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#source = source;
    this.#maxEntries = maxEntries;
    source.onChange(({ sessionId, userId, role }) => this.#remember(sessionId, userId, role));
  }

  /** The role, null for a non-member, undefined when this view does not know. */
  roleOf(sessionId: string, userId: string): SessionRole | null | undefined {
    return this.#roles.get(key(sessionId, userId));
  }

  /**
   * `access` that also reads the role of whoever it admits to a table room
   * into this view before saying yes: the socket is admitted in the same tick
   * (or, if membership changed meanwhile, checked again), so its first update
   * finds its role here.
   */
  priming(access: RoomAccess): RoomAccess {
    const remember = (sessionId: string, userId: string, role: SessionRole | null) => this.#remember(sessionId, userId, role);
    const source = this.#source;
    return {
      get generation() {
        return access.generation;
      },
      async canRead(userId: string, room: string): Promise<boolean> {
        if (!(await access.canRead(userId, room))) return false;
        const scope = roomScope(room);
        if (scope.kind === 'table') remember(scope.sessionId, userId, await source.roleOf(scope.sessionId, userId));
        return true;
      },
    };
  }

  #remember(sessionId: string, userId: string, role: SessionRole | null): void {
    const k = key(sessionId, userId);
    this.#roles.delete(k);
    this.#roles.set(k, role);
    // Insertion order: the first key is the one stored longest ago.
    if (this.#roles.size > this.#maxEntries) this.#roles.delete(this.#roles.keys().next().value!);
  }
}

function key(sessionId: string, userId: string): string {
  // NUL cannot occur in a valid session id, so no two pairs share a key.
  return `${sessionId}\u0000${userId}`;
}
