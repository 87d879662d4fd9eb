import type { SessionRole } from '@dungeon-lab/store';
import { isValidUserId } from '../auth/principal.ts';
import { isValidSessionId } from '../event-log/session-rooms.ts';

/**
 * What a room is, as far as reading it goes (docs/security.md [A10]..[A14]):
 * one of the three documents of a session, any other name under `sessions/`
 * (refused: a name nobody has a rule for is nobody's), or a room outside
 * sessions (open only when the server is configured with `openRooms`).
 */
export type RoomScope =
  | { readonly kind: 'table'; readonly sessionId: string }
  | { readonly kind: 'gm'; readonly sessionId: string }
  | { readonly kind: 'player'; readonly sessionId: string; readonly userId: string }
  | { readonly kind: 'unknown-session-room' }
  | { readonly kind: 'open' };

const SESSION_ROOM = /^sessions\/([^/]+)\/(table|gm|players\/([^/]+))$/;

export function roomScope(room: string): RoomScope {
  if (room !== 'sessions' && !room.startsWith('sessions/')) return { kind: 'open' };
  const m = SESSION_ROOM.exec(room);
  if (m === null || !isValidSessionId(m[1]!)) return { kind: 'unknown-session-room' };
  const sessionId = m[1]!;
  if (m[2] === 'table') return { kind: 'table', sessionId };
  if (m[2] === 'gm') return { kind: 'gm', sessionId };
  const userId = m[3]!;
  return isValidUserId(userId) ? { kind: 'player', sessionId, userId } : { kind: 'unknown-session-room' };
}

/** The session a scope belongs to, or null for rooms outside sessions. */
export function sessionOfScope(scope: RoomScope): string | null {
  return scope.kind === 'table' || scope.kind === 'gm' || scope.kind === 'player' ? scope.sessionId : null;
}

/** Whether a user with `role` in the scope's session (null: not a member) may read the room. */
export function canRead(scope: RoomScope, userId: string, role: SessionRole | null, openRooms: boolean): boolean {
  switch (scope.kind) {
    case 'open':
      return openRooms;
    case 'unknown-session-room':
      return false;
    case 'table':
      return role !== null;
    case 'gm':
      return role === 'gm';
    case 'player':
      return role === 'gm' || (role === 'player' && scope.userId === userId);
  }
}
