import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionRole, StoredMember } from '@dungeon-lab/store';
import { type Audit, AuditAction, clip } from '../audit/audit-entry.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { authenticateHttp, challengeIfUnauthorized } from '../auth/http-auth.ts';
import type { Principal } from '../auth/principal.ts';
import { isValidSessionId } from '../event-log/session-rooms.ts';
import { HttpError, readJsonBody, sendJson } from '../http-json.ts';
import type { Membership } from './membership.ts';

export interface SessionsApiContext {
  readonly auth: Authenticator;
  readonly membership: Membership;
  readonly maxBodyBytes: number;
  /** Where membership changes and refusals are recorded ([AL1]). */
  readonly audit: Audit;
  readonly ipOf: (req: IncomingMessage) => string;
  /**
   * The session's other endpoints (event log, checkpoints), reached only by
   * an authenticated member; `userId` is who is calling. Returns false for a
   * path it does not own.
   */
  readonly memberApi: (req: IncomingMessage, res: ServerResponse, url: URL, userId: string) => Promise<boolean>;
}

const MAX_SESSION_NAME = 100;
const SESSION_PATH = /^\/api\/sessions\/([^/]+)(\/.*)?$/;
const MEMBER_PATH = /^\/members\/([^/]+)$/;

/**
 * Sessions and membership over HTTP (docs/api.md): everything under
 * `/api/sessions` needs a bearer token, and everything about one session
 * needs its membership. Paths under a session that this module does not own
 * are passed to `memberApi` only after those checks, so an endpoint added
 * there is never reachable by a non-member. Returns false outside `/api/sessions`.
 */
export async function handleSessionsApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: SessionsApiContext,
): Promise<boolean> {
  const path = url.pathname;
  if (path !== '/api/sessions' && !path.startsWith('/api/sessions/')) return false;
  try {
    const caller = await authenticateHttp(req, ctx.auth);
    if (path === '/api/sessions') {
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} not allowed on ${path}`);
      await createSession(req, res, caller, ctx);
      return true;
    }
    const m = SESSION_PATH.exec(path);
    if (m === null) throw new HttpError(404, 'not found');
    const sessionId = m[1]!;
    const rest = m[2] ?? '';
    if (!isValidSessionId(sessionId)) {
      // Kept as the event-log API answers it (400), which owns most session paths.
      if (await ctx.memberApi(req, res, url, caller.userId)) return true;
      throw new HttpError(404, 'not found');
    }
    if (rest === '/join') {
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} not allowed on ${path}`);
      await join(req, res, sessionId, caller, ctx);
      return true;
    }
    const role = await ctx.membership.roleOf(sessionId, caller.userId);
    if (rest === '' || rest === '/members' || MEMBER_PATH.test(rest)) {
      await ownRoute(req, res, path, sessionId, rest, role, caller.userId, ctx);
      return true;
    }
    if (role === null) throw refused(req, path, sessionId, caller.userId, 'not a member of this session', ctx);
    if (await ctx.memberApi(req, res, url, caller.userId)) return true;
    throw new HttpError(404, 'not found');
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    challengeIfUnauthorized(res, err);
    sendJson(res, err.status, { error: err.message });
    return true;
  }
}

async function ownRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  sessionId: string,
  rest: string,
  role: SessionRole | null,
  caller: string,
  ctx: SessionsApiContext,
): Promise<void> {
  const session = await ctx.membership.getSession(sessionId);
  if (session === null) throw new HttpError(404, 'no such session');
  if (role === null) throw refused(req, path, sessionId, caller, 'not a member of this session', ctx);
  const route = `${req.method} ${rest === '' ? 'session' : rest === '/members' ? 'members' : 'member'}`;
  switch (route) {
    case 'GET session':
      sendJson(res, 200, {
        id: session.id,
        name: session.name,
        createdBy: session.createdBy,
        createdAt: session.createdAt,
        role,
        // Only a GM may hand out the code; a player who has it could pass it on, but need not be given it.
        ...(role === 'gm' ? { joinCode: session.joinCode } : {}),
      });
      return;
    case 'GET members': {
      const members = await ctx.membership.listMembers(sessionId);
      sendJson(res, 200, { members: members.sort(byJoinTime).map(memberView) });
      return;
    }
    case 'DELETE member':
    case 'PATCH member': {
      if (role !== 'gm') throw refused(req, path, sessionId, caller, 'only a GM may change members', ctx);
      const target = decodeUserId(MEMBER_PATH.exec(rest)![1]!);
      if (req.method === 'DELETE') {
        const result = await ctx.membership.remove(sessionId, target);
        if (result.status === 'not-member') throw new HttpError(404, 'not a member');
        if (result.status === 'last-gm') throw new HttpError(409, 'a session keeps at least one GM');
        ctx.audit.record(sessionId, {
          actor: caller,
          action: AuditAction.MemberRemoved,
          outcome: 'ok',
          target,
          data: { role: result.member.role },
        });
        sendJson(res, 200, { removed: memberView(result.member) });
        return;
      }
      const body = (await readJsonBody(req, ctx.maxBodyBytes)) as { role?: unknown } | null;
      const newRole = body?.role;
      if (newRole !== 'gm' && newRole !== 'player') throw new HttpError(400, 'role must be "gm" or "player"');
      const result = await ctx.membership.setRole(sessionId, target, newRole);
      if (result.status === 'not-member') throw new HttpError(404, 'not a member');
      if (result.status === 'last-gm') throw new HttpError(409, 'a session keeps at least one GM');
      if (result.previous !== newRole) {
        ctx.audit.record(sessionId, {
          actor: caller,
          action: AuditAction.MemberRoleChanged,
          outcome: 'ok',
          target,
          data: { from: result.previous, to: newRole },
        });
      }
      sendJson(res, 200, memberView(result.member));
      return;
    }
    default:
      throw new HttpError(405, `${req.method} not allowed on ${path}`);
  }
}

async function createSession(req: IncomingMessage, res: ServerResponse, caller: Principal, ctx: SessionsApiContext): Promise<void> {
  const body = (await readJsonBody(req, ctx.maxBodyBytes)) as { name?: unknown } | null;
  const name = typeof body?.name === 'string' ? body.name.trim() : '';
  if (name.length === 0 || [...name].length > MAX_SESSION_NAME) {
    throw new HttpError(400, `name must be 1-${MAX_SESSION_NAME} characters`);
  }
  const session = await ctx.membership.createSession(caller.userId, name);
  ctx.audit.record(session.id, { actor: caller.userId, action: AuditAction.SessionCreated, outcome: 'ok', data: { name: session.name } });
  sendJson(res, 201, { id: session.id, name: session.name, joinCode: session.joinCode, role: 'gm' });
}

async function join(
  req: IncomingMessage,
  res: ServerResponse,
  sessionId: string,
  caller: Principal,
  ctx: SessionsApiContext,
): Promise<void> {
  const body = (await readJsonBody(req, ctx.maxBodyBytes)) as { joinCode?: unknown } | null;
  if (typeof body?.joinCode !== 'string') throw new HttpError(400, 'joinCode must be a string');
  const result = await ctx.membership.join(sessionId, caller.userId, body.joinCode);
  if (result.status === 'no-session') throw new HttpError(404, 'no such session');
  if (result.status === 'wrong-code') throw refused(req, req.url ?? '', sessionId, caller.userId, 'wrong join code', ctx);
  if (result.status === 'joined') {
    ctx.audit.record(sessionId, { actor: caller.userId, action: AuditAction.MemberJoined, outcome: 'ok', target: caller.userId, data: { role: result.role } });
  }
  sendJson(res, 200, { role: result.role });
}

/** A 403, recorded in the session's audit log ([AL1]); the log keeps it only if the session exists ([AL6]). */
function refused(
  req: IncomingMessage,
  path: string,
  sessionId: string,
  userId: string | null,
  reason: string,
  ctx: SessionsApiContext,
): HttpError {
  ctx.audit.record(sessionId, {
    actor: userId,
    action: AuditAction.ApiRefused,
    outcome: 'denied',
    target: clip(`${req.method ?? '?'} ${path.split('?')[0]}`),
    detail: reason,
    ip: ctx.ipOf(req),
  });
  return new HttpError(403, reason);
}

function decodeUserId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'user id is not valid percent-encoding');
  }
}

function memberView(m: StoredMember): { userId: string; role: SessionRole; joinedAt: number } {
  return { userId: m.userId, role: m.role, joinedAt: m.joinedAt };
}

function byJoinTime(a: StoredMember, b: StoredMember): number {
  return a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}
