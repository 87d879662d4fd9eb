import type { IncomingMessage } from 'node:http';
import type { SessionRole, StoredSession } from '@dungeon-lab/store';
import type { Principal } from '../auth/principal.ts';
import { HttpError } from './http-error.ts';
import type { Reply } from './reply.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What every handler gets: the parsed request, its decoded path parameters, and the body if the route reads one. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body of a route with `body: 'json'`, the `RawBody` of one with a `RawBodySpec`; undefined otherwise. */
  readonly body: unknown;
  readonly ip: string;
  /**
   * A 403 for `sessionId`, recorded in that session's audit log as
   * `api.refused` with the request's method and path ([AL1]); throw it.
   */
  deny(sessionId: string, reason: string): HttpError;
}

export interface UserContext extends RequestContext {
  readonly caller: Principal;
}

export interface MemberContext extends UserContext {
  readonly sessionId: string;
  readonly role: SessionRole;
}

export interface KnownSessionContext extends MemberContext {
  readonly session: StoredSession;
}

interface RouteBase {
  /** `ANY` answers every method (a catch-all); a GET route also answers HEAD. */
  readonly method: Method | 'ANY';
  /** `/api/sessions/:sessionId/members/:userId`; a final `*` matches any rest, `/` included. */
  readonly path: string;
  /**
   * The body is read after access is granted, before the handler runs:
   * `json` within the server's JSON limits (413/415/400), a `RawBodySpec`
   * as bytes of one of its types within its own limit (415/413/400).
   */
  readonly body?: 'json' | RawBodySpec;
}

/** A body taken as bytes (an image upload): what it may say it is, and how large it may be. */
export interface RawBodySpec {
  readonly types: readonly string[];
  readonly maxBytes: number;
}

/**
 * One row of the route table. `access` says what the dispatcher checks
 * before the handler runs, and so what the handler's context holds:
 * - `public`: nothing;
 * - `user`: a valid bearer token (401, 503);
 * - `member`: also membership of the `:sessionId` session (403, audited;
 *   an unknown session has no members);
 * - `known-session`: the session must exist (404) before membership is
 *   checked, for the session's own resources;
 * `gmOnly` (member routes) refuses players with that reason (403, audited).
 */
export type Route =
  | (RouteBase & { readonly access: 'public'; handle(ctx: RequestContext): Promise<Reply> | Reply })
  | (RouteBase & { readonly access: 'user'; handle(ctx: UserContext): Promise<Reply> | Reply })
  | (RouteBase & { readonly access: 'member'; readonly gmOnly?: string; handle(ctx: MemberContext): Promise<Reply> | Reply })
  | (RouteBase & { readonly access: 'known-session'; readonly gmOnly?: string; handle(ctx: KnownSessionContext): Promise<Reply> | Reply });

/** A catch-all row: any method on `path` (ending in `*`) answers 404 once `access` is granted. */
export function notFoundRoute(path: string, access: 'public' | 'member'): Route {
  const handle = (): never => {
    throw new HttpError(404, 'not found');
  };
  return { method: 'ANY', path, access, handle };
}

type Segment = { readonly literal: string } | { readonly param: string } | { readonly rest: true };

export interface CompiledPattern {
  readonly path: string;
  readonly segments: readonly Segment[];
}

export function compilePattern(path: string): CompiledPattern {
  const parts = path.split('/').slice(1);
  const segments = parts.map((part, i): Segment => {
    if (part === '*') {
      if (i !== parts.length - 1) throw new Error(`route ${path}: * only at the end`);
      return { rest: true };
    }
    return part.startsWith(':') ? { param: part.slice(1) } : { literal: part };
  });
  return { path, segments };
}

/** The still percent-encoded parameters of `pathname` if it matches `pattern`, else null. */
export function matchPattern(pattern: CompiledPattern, pathname: string): Record<string, string> | null {
  const parts = pathname.split('/').slice(1);
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.segments.entries()) {
    if ('rest' in segment) return params;
    const part = parts[i];
    if (part === undefined) return null;
    if ('literal' in segment) {
      if (part !== segment.literal) return null;
    } else {
      if (part === '') return null;
      params[segment.param] = part;
    }
  }
  return parts.length === pattern.segments.length ? params : null;
}
