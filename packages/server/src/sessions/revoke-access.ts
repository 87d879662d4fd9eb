import { CloseCode } from '@dungeon-lab/protocol';
import { type BusChannel, type BusHandler, sessionChannel } from '../bus/room-bus.ts';
import { canRead, roomScope } from './room-scope.ts';

/** What revocation needs of a room; implemented by Room. */
export interface RevocableRoom {
  readonly name: string;
  listen(channel: BusChannel, handler: BusHandler): void;
  /** Takes the room away from every socket of `userId` in it. */
  revoke(userId: string, code: CloseCode): void;
}

/**
 * Applies every membership change of the room's session, from any process,
 * to the room's sockets at once ([A15], [A16]): a user who may no longer
 * read the room loses it, with MemberRemoved (4410) after a removal and
 * Forbidden (4403) after a demotion. A room still readable (a demoted GM's
 * table) stays open. Rooms outside sessions have no one to revoke.
 */
export function followRevocations(room: RevocableRoom): void {
  const scope = roomScope(room.name);
  if (scope.kind !== 'table' && scope.kind !== 'gm' && scope.kind !== 'player') return;
  room.listen(sessionChannel(scope.sessionId), (message) => {
    if (message.kind !== 'membership') return;
    const { userId, role } = message.change;
    if (!canRead(scope, userId, role, false)) room.revoke(userId, role === null ? CloseCode.MemberRemoved : CloseCode.Forbidden);
  });
}
