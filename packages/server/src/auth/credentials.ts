import type { IncomingMessage } from 'node:http';

/**
 * The subprotocol a browser offers next to its token: browsers cannot set an
 * Authorization header on a WebSocket, but they can offer subprotocols. The
 * server always answers with this one, never with the token entry, so the
 * token is not echoed into response headers (docs/api.md).
 */
export const SUBPROTOCOL = 'dl-v1';
/** A subprotocol entry `dl-token.<jwt>` carries the token. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'dl-token.';
/** Query parameter carrying the token (what y-websocket's `params` sends). */
export const TOKEN_QUERY_PARAM = 'token';

export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'malformed'; readonly detail: string };

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (header === undefined) return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/**
 * The token of an upgrade: from `Sec-WebSocket-Protocol` if offered there
 * (it wins over the query), else from `?token=`. A token entry without
 * `dl-v1` beside it is refused: the server could only accept the connection
 * by echoing the token entry, and browsers fail the handshake when no offered
 * protocol is selected.
 */
export function credentialFromUpgrade(req: IncomingMessage, url: URL): Credential {
  const protocols = offeredProtocols(req);
  const entries = protocols.filter((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  if (entries.length > 1) return { kind: 'malformed', detail: 'more than one token subprotocol' };
  if (entries.length === 1) {
    if (!protocols.includes(SUBPROTOCOL)) return { kind: 'malformed', detail: `offer ${SUBPROTOCOL} with the token` };
    return { kind: 'token', token: entries[0]!.slice(TOKEN_SUBPROTOCOL_PREFIX.length) };
  }
  const fromQuery = url.searchParams.getAll(TOKEN_QUERY_PARAM);
  if (fromQuery.length > 1) return { kind: 'malformed', detail: 'more than one token parameter' };
  return fromQuery.length === 1 ? { kind: 'token', token: fromQuery[0]! } : { kind: 'none' };
}

/** The token of an API call: `Authorization: Bearer <jwt>`. */
export function credentialFromBearer(req: IncomingMessage): Credential {
  const header = req.headers.authorization;
  if (header === undefined) return { kind: 'none' };
  const m = /^Bearer +([^ ]+) *$/i.exec(header);
  return m === null ? { kind: 'malformed', detail: 'Authorization must be "Bearer <token>"' } : { kind: 'token', token: m[1]! };
}

/**
 * ws's `handleProtocols`: `dl-v1` when offered; otherwise the first offered
 * protocol, as ws does by default, except that a token entry is never
 * selected — that would echo the token in the response.
 */
export function selectSubprotocol(protocols: Set<string>): string | false {
  if (protocols.has(SUBPROTOCOL)) return SUBPROTOCOL;
  for (const p of protocols) if (!p.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return p;
  return false;
}
