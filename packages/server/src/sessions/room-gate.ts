import type { Membership } from './membership.ts';
import { canRead, roomScope, sessionOfScope } from './room-scope.ts';

/**
 * Read authorization for rooms, at the upgrade and for multiplexed joins.
 * `generation` changes with every membership change: a caller that awaited
 * between `canRead` and admitting a socket compares it and checks again if it
 * moved (see Membership).
 */
export class RoomGate {
  readonly #membership: Membership;
  readonly #openRooms: boolean;

  constructor(membership: Membership, openRooms: boolean) {
    this.#membership = membership;
    this.#openRooms = openRooms;
  }

  get generation(): number {
    return this.#membership.generation;
  }

  /** Rejects when the membership cannot be read (the caller answers 503, never a guess). */
  async canRead(userId: string, room: string): Promise<boolean> {
    const scope = roomScope(room);
    const sessionId = sessionOfScope(scope);
    const role = sessionId === null ? null : await this.#membership.roleOf(sessionId, userId);
    return canRead(scope, userId, role, this.#openRooms);
  }
}
