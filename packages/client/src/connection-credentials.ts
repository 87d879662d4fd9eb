/**
 * A bearer token, or a function that returns the current one. The function is
 * called before every connection attempt and every API call, so a UI can
 * refresh an expiring token without rebuilding the client.
 */
export type TokenSource = string | (() => string | Promise<string>);

/**
 * How a socket carries the token ([A3] in docs/security.md). `subprotocol`
 * (`Sec-WebSocket-Protocol: dl-v1, dl-token.<jwt>`) keeps it out of URLs,
 * which end up in proxy and access logs; `query` (`?token=<jwt>`) is for
 * WebSocket implementations that cannot offer subprotocols.
 */
export type TokenTransport = 'subprotocol' | 'query';

/** The subprotocol the server selects; offered next to the token entry. */
export const SUBPROTOCOL = 'dl-v1';
export const TOKEN_SUBPROTOCOL_PREFIX = 'dl-token.';
export const TOKEN_QUERY_PARAM = 'token';

/** What one connection attempt adds to the socket: URL parameters and subprotocols. */
export interface ConnectionSettings {
  readonly params: Record<string, string>;
  readonly protocols: string[];
}

export function connectionCredentials(token: string, transport: TokenTransport): ConnectionSettings {
  return transport === 'query'
    ? { params: { [TOKEN_QUERY_PARAM]: token }, protocols: [] }
    : { params: {}, protocols: [SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`] };
}

/** Reads the token now: the string, or what the function returns (sync or async). */
export function readToken(source: TokenSource): string | Promise<string> {
  return typeof source === 'string' ? source : source();
}
