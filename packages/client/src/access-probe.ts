import { CloseCode } from '@dungeon-lab/protocol';
import type { ApiResult, SessionInfo } from './session-api.ts';

/** Why the server will not let this client in; it stays offline until `connect()`. */
export interface Refusal {
  /** A close code from the protocol's table (the server's own, or the one its HTTP refusal maps to). */
  readonly code: number;
  readonly reason: string;
}

/**
 * The verdict on a socket that failed before it opened. A refused upgrade
 * (401/403) and an unreachable server look the same to a WebSocket — the
 * HTTP status is not exposed — so the session endpoint is asked instead:
 * 401 means the token is no good, 403/404 that this user has no business in
 * the session, and a member's role says whether the document is theirs to
 * read ([A10]–[A12]). Anything else (unreachable, 5xx, a member with access)
 * is transient: null, keep retrying.
 */
export function refusalFromProbe(answer: ApiResult<SessionInfo>, doc: string, userId: string | null): Refusal | null {
  if (!answer.ok) {
    if (answer.status === 401) return { code: CloseCode.Unauthorized, reason: `token refused: ${answer.error}` };
    if (answer.status === 403) return { code: CloseCode.Forbidden, reason: `not allowed in this session: ${answer.error}` };
    if (answer.status === 404) return { code: CloseCode.Forbidden, reason: `no such session: ${answer.error}` };
    return null;
  }
  const { role } = answer.data;
  if (role === 'gm') return null;
  if (doc === 'gm') return { code: CloseCode.Forbidden, reason: 'the gm document is for GMs only' };
  if (doc.startsWith('players/') && doc.slice('players/'.length) !== userId) {
    return { code: CloseCode.Forbidden, reason: `${doc} belongs to another player` };
  }
  return null;
}
