import type { LogEntry, LogEntryView } from '@dungeon-lab/events';
import { type Audit, AuditAction } from '../audit/audit-entry.ts';
import { HttpError } from '../http/http-error.ts';
import { intQuery, NON_NEGATIVE } from '../http/query-params.ts';
import { json } from '../http/reply.ts';
import type { Route } from '../http/route.ts';
import type { CheckpointInfo, Checkpoints } from './checkpoints.ts';
import { type EventLogService, MAX_PAGE } from './event-log-service.ts';

/**
 * A log entry as the REST API shows it: the StateEvent plus its status
 * ([EL7]); a player's placeholder for an entry they may not read stays
 * `{ sequence, redacted: true }` ([EL17]).
 */
function eventView(view: LogEntryView) {
  if ('redacted' in view) return view;
  const entry: LogEntry = view;
  return {
    ...entry.event,
    status: entry.status,
    ...(entry.audience !== undefined ? { audience: entry.audience } : {}),
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    ...(entry.resolvedBy !== undefined ? { resolvedBy: entry.resolvedBy } : {}),
    ...(entry.resolvedAt !== undefined ? { resolvedAt: entry.resolvedAt } : {}),
  };
}

export interface EventLogApiContext {
  readonly service: EventLogService;
  readonly checkpoints: Checkpoints;
  readonly audit: Audit;
}

/**
 * The session's event-log endpoints ([EL7], [EL8], [API6]): routes for
 * members of the session; the dispatcher has checked membership before any
 * of these runs, and the caller's user id is the token's.
 */
export function eventLogRoutes({ service, checkpoints, audit }: EventLogApiContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/sessions/:sessionId/state',
      access: 'member',
      handle: async ({ sessionId }) => json(200, await service.state(sessionId)),
    },
    {
      method: 'GET',
      path: '/api/sessions/:sessionId/events',
      access: 'member',
      async handle({ sessionId, caller, url }) {
        const from = intQuery(url, 'from', NON_NEGATIVE, 1);
        const limit = intQuery(url, 'limit', { min: 1, max: MAX_PAGE }, 100);
        const page = await service.readEvents(sessionId, caller.userId, from, limit);
        return json(200, { events: page.entries.map(eventView), next: page.next });
      },
    },
    {
      method: 'POST',
      path: '/api/sessions/:sessionId/events',
      access: 'member',
      body: 'json',
      async handle({ sessionId, caller, body }) {
        if (!Array.isArray(body)) throw new HttpError(400, 'body must be a JSON array of intents');
        return json(200, await service.submit(sessionId, caller.userId, body));
      },
    },
    {
      method: 'POST',
      path: '/api/sessions/:sessionId/checkpoint',
      access: 'member',
      body: 'json',
      async handle({ sessionId, caller, body }) {
        const raw = (body as { name?: unknown } | null)?.name;
        const created: CheckpointInfo = await checkpoints.create(sessionId, typeof raw === 'string' ? raw : '', caller.userId);
        audit.record(sessionId, {
          actor: caller.userId,
          action: AuditAction.CheckpointCreated,
          outcome: 'ok',
          target: created.id,
          data: { name: created.name, version: created.version },
        });
        return json(201, created);
      },
    },
    {
      method: 'GET',
      path: '/api/sessions/:sessionId/checkpoints',
      access: 'member',
      handle: async ({ sessionId }) => json(200, { checkpoints: await checkpoints.list(sessionId) }),
    },
    {
      method: 'POST',
      path: '/api/sessions/:sessionId/checkpoints/:checkpointId/restore',
      access: 'member',
      async handle({ sessionId, caller, params }) {
        const checkpointId = params.checkpointId!;
        const entry = await checkpoints.restore(sessionId, checkpointId, caller.userId);
        audit.record(sessionId, {
          actor: caller.userId,
          action: AuditAction.CheckpointRestored,
          outcome: 'ok',
          target: checkpointId,
          data: { sequence: entry.event.sequence, status: entry.status },
        });
        return json(200, { restored: checkpointId, sequence: entry.event.sequence, status: entry.status });
      },
    },
    {
      method: 'GET',
      path: '/api/sessions/:sessionId/approvals',
      access: 'member',
      gmOnly: 'only a GM sees the approval queue',
      handle: async ({ sessionId }) => json(200, { approvals: await service.pendingApprovals(sessionId) }),
    },
  ];
}
