import { HttpError } from '../http/http-error.ts';
import { intQuery, NON_NEGATIVE, safeInteger } from '../http/query-params.ts';
import { json } from '../http/reply.ts';
import type { Route } from '../http/route.ts';
import type { AuditLog } from './audit-log.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const MAX_CURSOR = 100;

/**
 * `GET /api/sessions/:id/audit?before=&limit=` ([AL5]): a page of the
 * session's audit log, newest first, for its GMs only — a player's attempt is
 * refused and itself recorded by the dispatcher.
 */
export function auditRoutes(audit: AuditLog): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/sessions/:sessionId/audit',
      access: 'member',
      gmOnly: 'only a GM may read the audit log',
      async handle({ sessionId, url }) {
        const limit = intQuery(url, 'limit', { min: 1, max: MAX_LIMIT }, DEFAULT_LIMIT);
        const before = beforeParam(url);
        try {
          return json(200, await audit.read(sessionId, { limit, ...(before === undefined ? {} : { before }) }));
        } catch (err) {
          // The store refuses a cursor it could not have made.
          if (err instanceof TypeError && typeof before === 'string') throw new HttpError(400, 'before is neither a cursor from this log nor a time in ms');
          throw err;
        }
      },
    },
  ];
}

/** A time in ms (digits only, a safe integer) or a cursor (`next` of an earlier page). */
function beforeParam(url: URL): string | number | undefined {
  const raw = url.searchParams.get('before');
  if (raw === null || raw === '') return undefined;
  if (/^\d+$/.test(raw)) {
    const time = safeInteger(raw, NON_NEGATIVE);
    if (time === null) throw new HttpError(400, `before must be a time in ms up to ${Number.MAX_SAFE_INTEGER} or a cursor`);
    return time;
  }
  if (raw.length > MAX_CURSOR) throw new HttpError(400, 'before is too long');
  return raw;
}
