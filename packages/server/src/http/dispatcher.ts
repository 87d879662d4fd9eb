import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionRole, StoredSession } from '@dungeon-lab/store';
import { type Audit, AuditAction, clip } from '../audit/audit-entry.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { authenticateHttp } from '../auth/http-auth.ts';
import { isValidSessionId } from '../event-log/session-rooms.ts';
import type { Logger } from '../logger.ts';
import { HttpError } from './http-error.ts';
import { discardRestOfBody, readJsonBody, readRawBody } from './request-body.ts';
import { type Reply, json, sendReply } from './reply.ts';
import { parseRequestTarget } from './request-target.ts';
import { type CompiledPattern, compilePattern, matchPattern, type Route } from './route.ts';

/** How long an answer waits for the rest of a body nobody reads (discardRestOfBody). */
const DRAIN_MS = 2_000;

/** An error class other modules throw for an expected outcome, and the status that answers it. */
export type TypedError = readonly [new (...args: never[]) => Error, number];

export interface DispatcherDeps {
  /** The route table, in match order: the first pattern that matches a path owns it. */
  readonly routes: readonly Route[];
  readonly auth: Authenticator;
  readonly membership: {
    roleOf(sessionId: string, userId: string): Promise<SessionRole | null>;
    getSession(sessionId: string): Promise<StoredSession | null>;
  };
  readonly audit: Audit;
  readonly ipOf: (req: IncomingMessage) => string;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  readonly typedErrors: readonly TypedError[];
  /** Whether the store answers: an unexpected failure while it does not is the store's (503), else ours (500). */
  readonly storeAvailable: () => Promise<boolean>;
}

interface RouteGroup {
  readonly pattern: CompiledPattern;
  readonly routes: Route[];
}

/**
 * The one way an HTTP request is served (docs/security.md, "Request
 * boundaries"): parse the target (400), find the route (404), authenticate
 * (401/503), check session membership and role (404/403, refusals audited),
 * check the method (405 with `Allow`), read the body within limits
 * (413/415/400), run the handler, and answer every failure as `{ error }`.
 * Nothing a client sends reaches the event loop as an exception: an error no
 * module declared is logged with a request id and answered
 * `500 { error, requestId }` — or `503` when the store turns out to be down.
 */
export function createDispatcher(deps: DispatcherDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const groups: RouteGroup[] = [];
  for (const route of deps.routes) {
    if ((route.access === 'member' || route.access === 'known-session') && !route.path.includes('/:sessionId')) {
      throw new Error(`route ${route.path}: session access needs a :sessionId parameter`);
    }
    let group = groups.find((g) => g.pattern.path === route.path);
    if (group === undefined) {
      group = { pattern: compilePattern(route.path), routes: [] };
      groups.push(group);
    }
    group.routes.push(route);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const head = req.method === 'HEAD';
    // What an answer waits to read of a body nobody read: twice what the route would have read.
    let bodyLimit = deps.maxBodyBytes;
    const answer = async (reply: Reply): Promise<void> => {
      if (!(await discardRestOfBody(req, 2 * bodyLimit, DRAIN_MS))) reply = withHeader(reply, 'connection', 'close');
      if (res.headersSent || res.destroyed) return;
      sendReply(res, reply, head, (err) => deps.logger.warn({ requestId, err: String(err) }, 'response stream failed'));
    };
    try {
      // Node's own check answers a bare 400; the server turns it off (server.ts) so the answer is ours.
      if (req.httpVersion === '1.1' && req.headers.host === undefined) throw new HttpError(400, 'missing Host header');
      // Node hands over 100-continue itself; any other expectation is one this server cannot meet (RFC 9110 §10.1.1).
      if (req.headers.expect !== undefined && req.headers.expect.toLowerCase() !== '100-continue') throw new HttpError(417, 'unsupported Expect');
      const url = parseRequestTarget(req.url);
      if (url === null) throw new HttpError(400, 'request target is not a path or an http URL');
      const { route, params } = resolve(req.method ?? '', url.pathname);
      if (typeof route.body === 'object') bodyLimit = route.body.maxBytes;
      await answer(await run(route, req, url, params));
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      await answer(await answerFor(err, req, requestId));
    }
  }

  function resolve(method: string, pathname: string): { route: Route; params: Record<string, string> } {
    for (const group of groups) {
      const raw = matchPattern(group.pattern, pathname);
      if (raw === null) continue;
      const route = group.routes.find((r) => r.method === 'ANY' || r.method === method || (method === 'HEAD' && r.method === 'GET'));
      return { route: route ?? methodNotAllowed(group, method, pathname), params: decodeParams(raw) };
    }
    throw new HttpError(404, 'not found');
  }

  async function run(route: Route, req: IncomingMessage, url: URL, params: Record<string, string>): Promise<Reply> {
    const ip = deps.ipOf(req);
    let callerId: string | null = null;
    const deny = (sessionId: string, reason: string): HttpError => {
      deps.audit.record(sessionId, {
        actor: callerId,
        action: AuditAction.ApiRefused,
        outcome: 'denied',
        target: clip(`${req.method ?? '?'} ${url.pathname}`),
        detail: reason,
        ip,
      });
      return new HttpError(403, reason);
    };
    // The body is read only once access is granted: a refused caller does not get to make the server parse a megabyte.
    const body = async (): Promise<unknown> => {
      if (route.body === undefined) return undefined;
      return route.body === 'json' ? readJsonBody(req, deps.maxBodyBytes) : readRawBody(req, route.body.types, route.body.maxBytes);
    };
    const request = { req, url, params, ip, deny };
    if (route.access === 'public') return route.handle({ ...request, body: await body() });
    const caller = await authenticateHttp(req, deps.auth);
    callerId = caller.userId;
    if (route.access === 'user') return route.handle({ ...request, caller, body: await body() });
    const sessionId = params.sessionId!;
    const session = route.access === 'known-session' ? await deps.membership.getSession(sessionId) : null;
    if (route.access === 'known-session' && session === null) throw new HttpError(404, 'no such session');
    const role = await deps.membership.roleOf(sessionId, caller.userId);
    if (role === null) throw deny(sessionId, 'not a member of this session');
    if (route.gmOnly !== undefined && role !== 'gm') throw deny(sessionId, route.gmOnly);
    const member = { ...request, caller, sessionId, role };
    if (route.access === 'member') return route.handle({ ...member, body: await body() });
    return route.handle({ ...member, session: session!, body: await body() });
  }

  async function answerFor(err: unknown, req: IncomingMessage, requestId: string): Promise<Reply> {
    if (err instanceof HttpError) return json(err.status, { error: err.message }, err.headers);
    const typed = deps.typedErrors.find(([type]) => err instanceof type);
    if (typed !== undefined) {
      if (typed[1] < 500) return json(typed[1], { error: (err as Error).message });
      // What failed underneath (a store path, a driver's message) is for the log, not for the client.
      deps.logger.warn({ requestId, err: String(err) }, 'request failed: dependency unavailable');
      return json(typed[1], { error: 'temporarily unavailable; retry', requestId });
    }
    deps.logger.error(
      { requestId, method: req.method, target: clip(req.url ?? ''), err: String(err), stack: (err as Error | null)?.stack },
      'request failed unexpectedly',
    );
    return (await deps.storeAvailable())
      ? json(500, { error: 'internal error', requestId })
      : json(503, { error: 'store unavailable', requestId });
  }

  return (req, res) => {
    const requestId = randomBytes(6).toString('base64url');
    // serve() answers every failure itself; this catch is for a bug in that answering.
    serve(req, res, requestId).catch((err: unknown) => {
      deps.logger.error({ requestId, err: String(err) }, 'answering a request failed');
      res.destroy();
    });
  };
}

/**
 * The 405 of a path whose routes lack `method`, behind the same access check
 * as those routes (without their role or body): a caller learns which
 * methods a session's path has only once they may use that path at all, so
 * the route table tells a non-member nothing ([API6]).
 */
function methodNotAllowed(group: RouteGroup, method: string, pathname: string): Route {
  const allow = group.routes.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])).join(', ');
  const handle = (): never => {
    throw new HttpError(405, `${method} not allowed on ${pathname}`, { allow });
  };
  const { access, path } = group.routes[0]!;
  return { method: 'ANY', path, access, handle };
}

function withHeader(reply: Reply, name: string, value: string): Reply {
  return { ...reply, headers: { ...reply.headers, [name]: value } };
}

/** Path parameters percent-decoded; a `:sessionId` must be a valid session id. */
function decodeParams(raw: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      throw new HttpError(400, `${name} is not valid percent-encoding`);
    }
  }
  if (params.sessionId !== undefined && !isValidSessionId(params.sessionId)) throw new HttpError(400, 'invalid session id');
  return params;
}
