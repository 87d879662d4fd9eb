/** The claims a client reads from its own token: who it is, what to call them, and until when. */
export interface JwtClaims {
  readonly sub?: string;
  /** Display name (the `name` claim), for a UI to greet its user by. */
  readonly name?: string;
  /** Seconds since the epoch. */
  readonly exp?: number;
}

function base64UrlDecode(segment: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return null;
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (segment.length % 4)) % 4);
  try {
    // atob exists in browsers and in Node ≥ 16: no Buffer, so the main entry stays browser-safe.
    const binary = atob(base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

/**
 * Reads a JWT's payload WITHOUT verifying it: the server verifies every
 * token; the client only wants to know whom it will be taken for (`sub`,
 * used in predictions) before the server says so. Null for anything that is
 * not a JWS compact serialization with a JSON object payload.
 */
export function decodeJwtClaims(token: string): JwtClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const bytes = base64UrlDecode(parts[1]!);
  if (bytes === null) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const { sub, name, exp } = payload as { sub?: unknown; name?: unknown; exp?: unknown };
  return {
    ...(typeof sub === 'string' && sub.length > 0 ? { sub } : {}),
    ...(typeof name === 'string' && name.length > 0 ? { name } : {}),
    ...(typeof exp === 'number' && Number.isFinite(exp) ? { exp } : {}),
  };
}
