/**
 * How the server learns who is calling. Development mode signs its own tokens
 * (and offers `POST /api/dev/login`); production mode only verifies tokens an
 * identity provider issued. See docs/security.md.
 */
export interface DevelopmentAuthOptions {
  readonly mode: 'development';
  /** Lifetime of tokens from `POST /api/dev/login` (default 12 h). */
  readonly tokenTtlSeconds?: number;
}

export interface ProductionAuthOptions {
  readonly mode: 'production';
  /** Required `iss` claim. */
  readonly issuer: string;
  /** Required `aud` claim. */
  readonly audience: string;
  /** Where the issuer publishes its signing keys (JWKS). Exactly one of this and `publicKeyPem`. */
  readonly jwksUrl?: string;
  /** The issuer's public key as an SPKI PEM. */
  readonly publicKeyPem?: string;
  /** Accepted JWS algorithms; defaults to the asymmetric ones (never `none`, never HMAC). */
  readonly algorithms?: readonly string[];
  /** Allowed clock skew against the issuer for `exp`/`nbf` (default 30 s). */
  readonly clockToleranceSeconds?: number;
}

export type AuthOptions = DevelopmentAuthOptions | ProductionAuthOptions;

export const DEFAULT_DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** HMAC algorithms are left out on purpose: with a public key as the "secret" they would let anyone sign. */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** A configuration the server cannot start with. */
export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}
