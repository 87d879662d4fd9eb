export { createServer, type DungeonLabServer, type ServerMetrics } from './server.ts';
export { type ServerOptions, type CompactionOptions, DEFAULT_OPTIONS } from './options.ts';
export { type Logger, silentLogger } from './logger.ts';
export {
  type AuthOptions,
  type DevelopmentAuthOptions,
  type ProductionAuthOptions,
  AuthConfigError,
  DEFAULT_DEV_TOKEN_TTL_SECONDS,
} from './auth/auth-options.ts';
export { SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, TOKEN_QUERY_PARAM } from './auth/credentials.ts';
export { DEV_LOGIN_PATH } from './auth/dev-login-route.ts';
export { DEV_ISSUER, DEV_AUDIENCE } from './auth/dev-tokens.ts';
