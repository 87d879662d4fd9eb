/** Who a verified token says is calling. */
export interface Principal {
  /** The token's `sub`: stable, and used in room names (`sessions/{id}/players/{userId}`) and the event log. */
  readonly userId: string;
  /** Display name from the token's `name` claim, when it has one. */
  readonly name: string | null;
}

/**
 * `unavailable` is the verifier's own failure (the issuer's key set or the
 * store cannot be read): answered 503, so a client retries instead of
 * throwing away a good token.
 */
export type AuthFailure = 'missing-token' | 'invalid-token' | 'expired-token' | 'unavailable';

export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly failure: AuthFailure; readonly detail: string };

/**
 * User ids end up in room names and URL paths, so they are limited to
 * characters that need no escaping there and never contain `/`. `|` is
 * allowed because common identity providers use it (`auth0|123`).
 */
const USER_ID = /^[A-Za-z0-9_.@:|-]{1,128}$/;

export function isValidUserId(id: string): boolean {
  return USER_ID.test(id);
}

export function authFailure(failure: AuthFailure, detail: string): AuthResult {
  return { ok: false, failure, detail };
}
