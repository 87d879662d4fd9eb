import { errors, jwtVerify, type JWTVerifyGetKey, type KeyInput } from 'jose';
import { type AuthResult, authFailure, isValidUserId } from './principal.ts';

export interface JwtRules {
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
}

/**
 * Verifies signature, algorithm, issuer, audience and expiry (an `exp` claim
 * is required: a token that never expires cannot be revoked by waiting), and
 * turns the outcome into data: callers answer 401 for any failure.
 */
export async function verifyJwt(token: string, key: KeyInput | JWTVerifyGetKey, rules: JwtRules): Promise<AuthResult> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      issuer: rules.issuer,
      audience: rules.audience,
      algorithms: [...rules.algorithms],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: rules.clockToleranceSeconds,
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) return authFailure('expired-token', 'token expired');
    // The issuer's key set could not be fetched or read: a fault of ours, not of the token.
    if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC')) {
      return authFailure('unavailable', 'issuer keys unavailable');
    }
    if (err instanceof errors.JOSEError) return authFailure('invalid-token', err.code);
    // Anything else is the key source failing (fetch of the key set, the store), not the token.
    return authFailure('unavailable', 'token could not be checked');
  }
  const sub = payload.sub;
  if (typeof sub !== 'string' || !isValidUserId(sub)) return authFailure('invalid-token', 'sub is not a valid user id');
  const name = typeof payload.name === 'string' ? payload.name.slice(0, 128) : null;
  return { ok: true, principal: { userId: sub, name } };
}
