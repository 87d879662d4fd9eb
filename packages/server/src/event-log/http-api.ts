import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readJsonBody, sendJson } from '../http-json.ts';
import type { LogEntry, LogEntryView } from '@dungeon-lab/events';
import { type Audit, AuditAction, clip, noAudit } from '../audit/audit-entry.ts';
import { type CheckpointInfo, CheckpointNotFoundError, type Checkpoints } from './checkpoints.ts';
import { type EventLogService, LogUnavailableError } from './event-log-service.ts';
import { isValidSessionId } from './session-rooms.ts';

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

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `${name} must be a non-negative integer`);
  return n;
}

const ROUTE = /^\/api\/sessions\/([^/]+)\/(state|events|checkpoint|checkpoints|approvals)(?:\/([^/]+)\/(restore))?$/;

/**
 * The session REST API ([EL7], [EL8]): JSON in, JSON out, errors as
 * `{ error }` with an HTTP status. Returns false for paths it does not own.
 */
export async function handleSessionApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  service: EventLogService,
  checkpoints: Checkpoints,
  maxBodyBytes: number,
  /** The authenticated caller, already checked to be a member of the session (sessions-http-api.ts). */
  userId: string,
  audit: Audit = noAudit,
  ipOf: (req: IncomingMessage) => string = () => 'unknown',
): Promise<boolean> {
  const m = ROUTE.exec(url.pathname);
  if (m === null) return false;
  const [, sessionId, resource, checkpointId, action] = m as unknown as [string, string, string, string | undefined, string | undefined];
  try {
    if (!isValidSessionId(sessionId)) throw new HttpError(400, 'invalid session id');
    const route = `${req.method} ${resource}${action ? `/${action}` : ''}`;
    switch (route) {
      case 'GET state':
        sendJson(res, 200, await service.state(sessionId));
        return true;
      case 'GET events': {
        const page = await service.readEvents(sessionId, userId, intParam(url, 'from', 1), intParam(url, 'limit', 100));
        sendJson(res, 200, { events: page.entries.map(eventView), next: page.next });
        return true;
      }
      case 'POST events': {
        const body = await readJsonBody(req, maxBodyBytes);
        if (!Array.isArray(body)) throw new HttpError(400, 'body must be a JSON array of intents');
        sendJson(res, 200, await service.submit(sessionId, userId, body));
        return true;
      }
      case 'POST checkpoint': {
        const body = (await readJsonBody(req, maxBodyBytes)) as { name?: unknown } | null;
        const name = typeof body?.name === 'string' ? body.name : '';
        const created: CheckpointInfo = await checkpoints.create(sessionId, name, userId);
        audit.record(sessionId, {
          actor: userId,
          action: AuditAction.CheckpointCreated,
          outcome: 'ok',
          target: created.id,
          data: { name: created.name, version: created.version },
        });
        sendJson(res, 201, created);
        return true;
      }
      case 'GET approvals': {
        if ((await service.roleIn(sessionId, userId)) !== 'gm') {
          audit.record(sessionId, {
            actor: userId,
            action: AuditAction.ApiRefused,
            outcome: 'denied',
            target: clip(`GET ${url.pathname}`),
            detail: 'only a GM sees the approval queue',
            ip: ipOf(req),
          });
          throw new HttpError(403, 'only a GM sees the approval queue');
        }
        sendJson(res, 200, { approvals: await service.pendingApprovals(sessionId) });
        return true;
      }
      case 'GET checkpoints':
        sendJson(res, 200, { checkpoints: await checkpoints.list(sessionId) });
        return true;
      case 'POST checkpoints/restore': {
        const entry = await checkpoints.restore(sessionId, checkpointId!, userId);
        audit.record(sessionId, {
          actor: userId,
          action: AuditAction.CheckpointRestored,
          outcome: 'ok',
          target: checkpointId!,
          data: { sequence: entry.event.sequence, status: entry.status },
        });
        sendJson(res, 200, { restored: checkpointId, sequence: entry.event.sequence, status: entry.status });
        return true;
      }
      default:
        throw new HttpError(405, `${req.method} not allowed on ${url.pathname}`);
    }
  } catch (err) {
    if (err instanceof HttpError) sendJson(res, err.status, { error: err.message });
    else if (err instanceof CheckpointNotFoundError) sendJson(res, 404, { error: err.message });
    else if (err instanceof LogUnavailableError) sendJson(res, 503, { error: err.message });
    else throw err;
    return true;
  }
}
