import { CloseCode } from '@dungeon-lab/protocol';
import type { SessionRole } from '@dungeon-lab/store';
import type * as Y from 'yjs';
import { ConnectionError } from '../connection-error.ts';
import { roomScope } from '../sessions/room-scope.ts';
import { analyzeUpdate } from './analyze-update.ts';
import { judgeWrites } from './judge-writes.ts';

export type WriteVerdict =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** The first path the sender may not write; null when the update could not be analysed at all. */
      readonly path: string | null;
      readonly ruleId: string | null;
      /** Sent to the client in the `auth` message. */
      readonly reason: string;
    };

/** Per-path write rules of one room's document. */
export interface WriteGuard {
  readonly sessionId: string;
  /**
   * Judges a client update before it touches `doc`. Throws a ConnectionError
   * when the sender's role is not known yet, and any other error when the
   * update cannot be decoded.
   */
  check(doc: Y.Doc, userId: string, update: Uint8Array): WriteVerdict;
}

/** What the guard needs to know about roles, synchronously (SessionRoles). */
export interface RoleView {
  roleOf(sessionId: string, userId: string): SessionRole | null | undefined;
}

const ALLOWED: WriteVerdict = { allowed: true };

/**
 * The guard of a room, or null for rooms whose writers need no rules: the
 * `gm` and `players/…` documents are writable by exactly who may read them,
 * and rooms outside sessions are open test and benchmark rooms.
 */
export function writeGuardFor(room: string, roles: RoleView): WriteGuard | null {
  const scope = roomScope(room);
  if (scope.kind !== 'table') return null;
  const { sessionId } = scope;
  return {
    sessionId,
    check(doc, userId, update) {
      const role = roles.roleOf(sessionId, userId);
      if (role === undefined) throw new ConnectionError(CloseCode.TryAgainLater, 'role not known yet');
      const analysis = analyzeUpdate(doc, update);
      if (!analysis.ok) return { allowed: false, path: null, ruleId: null, reason: `update not applied: ${analysis.detail}` };
      if (analysis.writes.length === 0) return ALLOWED;
      if (role === null) return { allowed: false, path: null, ruleId: null, reason: 'not a member of this session' };
      const denial = judgeWrites(doc, analysis.writes, { userId, role });
      return denial === null ? ALLOWED : { allowed: false, ...denial };
    },
  };
}

/** One refused update, as reported to `ServerOptions.onDenied` (the audit log). */
export interface WriteDenial {
  readonly sessionId: string;
  readonly userId: string;
  readonly room: string;
  /** The first path the sender may not write; null when the update could not be analysed. */
  readonly path: string | null;
  readonly ruleId: string | null;
  readonly reason: string;
}
