import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SecretStore } from '@dungeon-lab/store';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import {
  ASYMMETRIC_ALGORITHMS,
  AuthConfigError,
  type AuthOptions,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_DEV_TOKEN_TTL_SECONDS,
  type ProductionAuthOptions,
} from './auth-options.ts';
import { DevTokens } from './dev-tokens.ts';
import { type AuthResult, authFailure } from './principal.ts';
import { verifyJwt } from './verify-jwt.ts';

/** Checks tokens for every upgrade and API call; `dev` is set only in development mode. */
export interface Authenticator {
  readonly mode: AuthOptions['mode'];
  readonly dev: DevTokens | null;
  verify(token: string | null): Promise<AuthResult>;
}

/** Throws AuthConfigError for a production configuration that could not verify anything. */
export function createAuthenticator(options: AuthOptions, store: SecretStore): Authenticator {
  if (options.mode === 'development') {
    const dev = new DevTokens(store, options.tokenTtlSeconds ?? DEFAULT_DEV_TOKEN_TTL_SECONDS);
    return {
      mode: 'development',
      dev,
      verify: (token) => (token === null ? Promise.resolve(authFailure('missing-token', 'no token')) : dev.verify(token)),
    };
  }
  const key = productionKey(options);
  const rules = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: options.algorithms ?? ASYMMETRIC_ALGORITHMS,
    clockToleranceSeconds: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
  };
  if (rules.algorithms.some((alg) => alg === 'none' || alg.startsWith('HS'))) {
    throw new AuthConfigError('production auth accepts only asymmetric algorithms');
  }
  return {
    mode: 'production',
    dev: null,
    verify: async (token) => (token === null ? authFailure('missing-token', 'no token') : verifyJwt(token, key, rules)),
  };
}

function productionKey(options: ProductionAuthOptions): KeyObject | JWTVerifyGetKey {
  if (!options.issuer || !options.audience) throw new AuthConfigError('production auth needs an issuer and an audience');
  const { jwksUrl, publicKeyPem } = options;
  if ((jwksUrl === undefined) === (publicKeyPem === undefined)) {
    throw new AuthConfigError('production auth needs exactly one of a JWKS URL and a public key');
  }
  if (jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      throw new AuthConfigError(`JWKS URL ${JSON.stringify(jwksUrl)} is not a URL`);
    }
    return createRemoteJWKSet(url);
  }
  try {
    return createPublicKey(publicKeyPem!);
  } catch (err) {
    throw new AuthConfigError(`public key is not a PEM public key: ${String(err)}`);
  }
}
