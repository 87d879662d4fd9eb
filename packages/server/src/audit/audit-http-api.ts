import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionRole } from '@dungeon-lab/store';
import { HttpError, sendJson } from '../http-json.ts';
import { AuditAction, clip } from './audit-entry.ts';
import type { AuditLog } from './audit-log.ts';

export interface AuditApiContext {
  readonly audit: AuditLog;
  readonly roleOf: (sessionId: string, userId: string) => Promise<SessionRole | null>;
  readonly ipOf: (req: IncomingMessage) => string;
}

const ROUTE = /^\/api\/sessions\/([^/]+)\/audit$/;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const TIME = /^\d{1,16}$/;

/**
 * `GET /api/sessions/:id/audit?before=&limit=` ([AL5]): a page of the
 * session's audit log, newest first, for its GMs only. Reached through the
 * sessions API, so the caller is already known to be a member. Returns false
 * for other paths.
 */
export async function handleAuditApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  userId: string,
  ctx: AuditApiContext,
): Promise<boolean> {
  const m = ROUTE.exec(url.pathname);
  if (m === null) return false;
  const sessionId = m[1]!;
  try {
    if (req.method !== 'GET') throw new HttpError(405, `${req.method} not allowed on ${url.pathname}`);
    if ((await ctx.roleOf(sessionId, userId)) !== 'gm') {
      ctx.audit.record(sessionId, {
        actor: userId,
        action: AuditAction.ApiRefused,
        outcome: 'denied',
        target: clip(`GET ${url.pathname}`),
        detail: 'only a GM may read the audit log',
        ip: ctx.ipOf(req),
      });
      throw new HttpError(403, 'only a GM may read the audit log');
    }
    const limit = limitParam(url);
    const before = beforeParam(url);
    let page;
    try {
      page = await ctx.audit.read(sessionId, { limit, ...(before === undefined ? {} : { before }) });
    } catch (err) {
      // The store refuses a cursor it could not have made.
      if (err instanceof TypeError && before !== undefined) throw new HttpError(400, 'before is neither a cursor from this log nor a time in ms');
      throw err;
    }
    sendJson(res, 200, page);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    sendJson(res, err.status, { error: err.message });
  }
  return true;
}

function limitParam(url: URL): number {
  const raw = url.searchParams.get('limit');
  if (raw === null || raw === '') return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_LIMIT}`);
  return n;
}

/** A time in ms (digits only) or a cursor (`next` of an earlier page). */
function beforeParam(url: URL): string | number | undefined {
  const raw = url.searchParams.get('before');
  if (raw === null || raw === '') return undefined;
  if (TIME.test(raw)) return Number(raw);
  if (raw.length > 100) throw new HttpError(400, 'before is too long');
  return raw;
}
