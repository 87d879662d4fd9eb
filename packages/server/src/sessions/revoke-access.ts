import { CloseCode } from '@dungeon-lab/protocol';
import type { MembershipChange } from './membership.ts';
import { canRead, roomScope } from './room-scope.ts';

/** What revocation needs from a socket; implemented by Connection. */
export interface RevocablePeer {
  readonly userId: string;
  /** Names of the rooms the socket has joined. */
  roomNames(): string[];
  /** Takes one room away: closes the socket if it is its URL room, otherwise leaves the multiplexed room. */
  revokeRoom(room: string, code: CloseCode): void;
}

/**
 * Applies a membership change to open sockets at once ([A15], [A16]): every
 * room of the changed session the user may no longer read is taken away,
 * with MemberRemoved (4410) after a removal and Forbidden (4403) after a
 * demotion. Rooms still readable (a demoted GM's table) stay open.
 */
export function revokeAccess(peers: Iterable<RevocablePeer>, change: MembershipChange): void {
  const code = change.role === null ? CloseCode.MemberRemoved : CloseCode.Forbidden;
  for (const peer of peers) {
    if (peer.userId !== change.userId) continue;
    for (const room of peer.roomNames()) {
      const scope = roomScope(room);
      if (!('sessionId' in scope) || scope.sessionId !== change.sessionId) continue;
      if (!canRead(scope, change.userId, change.role, false)) peer.revokeRoom(room, code);
    }
  }
}
