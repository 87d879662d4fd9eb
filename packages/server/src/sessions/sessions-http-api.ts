import type { SessionOfUser, SessionRole, StoredMember } from '@dungeon-lab/store';
import { type Audit, AuditAction } from '../audit/audit-entry.ts';
import { HttpError } from '../http/http-error.ts';
import { json } from '../http/reply.ts';
import { notFoundRoute, type Route } from '../http/route.ts';
import type { Membership } from './membership.ts';

export interface SessionsApiContext {
  readonly membership: Membership;
  /** Where membership changes are recorded ([AL1]). */
  readonly audit: Audit;
}

const MAX_SESSION_NAME = 100;
/** Most sessions `GET /api/sessions` lists ([API10]): the newest joined. */
export const MAX_LISTED_SESSIONS = 200;
const ONLY_GMS = 'only a GM may change members';

/**
 * Sessions and membership over HTTP (docs/api.md [API1]..[API5], [API7],
 * [API10]): routes of the server's table. Who may call them is declared per
 * route and checked by the dispatcher before a handler runs.
 */
export function sessionRoutes(ctx: SessionsApiContext): Route[] {
  const { membership, audit } = ctx;
  return [
    {
      method: 'POST',
      path: '/api/sessions',
      access: 'user',
      body: 'json',
      async handle({ caller, body }) {
        const raw = (body as { name?: unknown } | null)?.name;
        const name = typeof raw === 'string' ? raw.trim() : '';
        if (name.length === 0 || [...name].length > MAX_SESSION_NAME) {
          throw new HttpError(400, `name must be 1-${MAX_SESSION_NAME} characters`);
        }
        const session = await membership.createSession(caller, name);
        audit.record(session.id, { actor: caller.userId, action: AuditAction.SessionCreated, outcome: 'ok', data: { name: session.name } });
        return json(201, { id: session.id, name: session.name, joinCode: session.joinCode, role: 'gm' });
      },
    },
    {
      method: 'GET',
      path: '/api/sessions',
      access: 'user',
      async handle({ caller }) {
        const sessions = await membership.sessionsOf(caller.userId, MAX_LISTED_SESSIONS);
        return json(200, { sessions: sessions.map(listedView) });
      },
    },
    {
      method: 'POST',
      path: '/api/sessions/:sessionId/join',
      access: 'user',
      body: 'json',
      async handle({ caller, params, body, deny }) {
        const sessionId = params.sessionId!;
        const joinCode = (body as { joinCode?: unknown } | null)?.joinCode;
        if (typeof joinCode !== 'string') throw new HttpError(400, 'joinCode must be a string');
        const result = await membership.join(sessionId, caller, joinCode);
        if (result.status === 'no-session') throw new HttpError(404, 'no such session');
        if (result.status === 'wrong-code') throw deny(sessionId, 'wrong join code');
        if (result.status === 'joined') {
          audit.record(sessionId, { actor: caller.userId, action: AuditAction.MemberJoined, outcome: 'ok', target: caller.userId, data: { role: result.role } });
        }
        return json(200, { role: result.role });
      },
    },
    {
      method: 'GET',
      path: '/api/sessions/:sessionId',
      access: 'known-session',
      handle: ({ session, role }) =>
        json(200, {
          id: session.id,
          name: session.name,
          createdBy: session.createdBy,
          createdAt: session.createdAt,
          role,
          // Only a GM may hand out the code; a player who has it could pass it on, but need not be given it.
          ...(role === 'gm' ? { joinCode: session.joinCode } : {}),
        }),
    },
    {
      method: 'GET',
      path: '/api/sessions/:sessionId/members',
      access: 'known-session',
      async handle({ sessionId }) {
        const members = await membership.listMembers(sessionId);
        return json(200, { members: members.sort(byJoinTime).map(memberView) });
      },
    },
    {
      method: 'DELETE',
      path: '/api/sessions/:sessionId/members/:userId',
      access: 'known-session',
      gmOnly: ONLY_GMS,
      async handle({ sessionId, caller, params }) {
        const target = params.userId!;
        const result = await membership.remove(sessionId, target);
        if (result.status === 'not-member') throw new HttpError(404, 'not a member');
        if (result.status === 'last-gm') throw new HttpError(409, 'a session keeps at least one GM');
        audit.record(sessionId, { actor: caller.userId, action: AuditAction.MemberRemoved, outcome: 'ok', target, data: { role: result.member.role } });
        return json(200, { removed: memberView(result.member) });
      },
    },
    {
      method: 'PATCH',
      path: '/api/sessions/:sessionId/members/:userId',
      access: 'known-session',
      gmOnly: ONLY_GMS,
      body: 'json',
      async handle({ sessionId, caller, params, body }) {
        const target = params.userId!;
        const role = (body as { role?: unknown } | null)?.role;
        if (role !== 'gm' && role !== 'player') throw new HttpError(400, 'role must be "gm" or "player"');
        const result = await membership.setRole(sessionId, target, role);
        if (result.status === 'not-member') throw new HttpError(404, 'not a member');
        if (result.status === 'last-gm') throw new HttpError(409, 'a session keeps at least one GM');
        if (result.previous !== role) {
          audit.record(sessionId, { actor: caller.userId, action: AuditAction.MemberRoleChanged, outcome: 'ok', target, data: { from: result.previous, to: role } });
        }
        return json(200, memberView(result.member));
      },
    },
  ];
}

/**
 * Paths under a session that no route owns: a member learns they do not
 * exist (404), anyone else gets the same 403 as for the session's real paths,
 * so the route table tells a non-member nothing ([API6]). Goes after every
 * session route in the table.
 */
export const UNKNOWN_SESSION_PATH: Route = notFoundRoute('/api/sessions/:sessionId/*', 'member');

function listedView({ session, role, joinedAt }: SessionOfUser): { id: string; name: string; role: SessionRole; createdAt: number; joinedAt: number } {
  return { id: session.id, name: session.name, role, createdAt: session.createdAt, joinedAt };
}

function memberView(m: StoredMember): { userId: string; role: SessionRole; joinedAt: number; name?: string } {
  return { userId: m.userId, role: m.role, joinedAt: m.joinedAt, ...(m.name === undefined ? {} : { name: m.name }) };
}

function byJoinTime(a: StoredMember, b: StoredMember): number {
  return a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}
