import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuthOptions } from '@dungeon-lab/server';

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly logLevel: string;
  /** fsync every store write (default). Turning it off trades crash safety of the OS for speed. */
  readonly syncWrites: boolean;
  readonly evictAfterMs: number;
  readonly checksumIntervalMs: number;
  /** Development (server-signed tokens, /api/dev/login) or production (tokens of a configured issuer). */
  readonly auth: AuthOptions;
  /** Rooms outside `sessions/` open to any valid token (docs/security.md [A13]). */
  readonly openRooms: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function int(env: NodeJS.ProcessEnv, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${key} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${key} must be true or false, got "${raw}"`);
  return raw === 'true';
}

const PRODUCTION_KEYS = ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'AUTH_PUBLIC_KEY', 'AUTH_PUBLIC_KEY_FILE'] as const;

/**
 * Production is chosen with AUTH_MODE=production, or implied by any issuer
 * setting: a half-configured production server must fail to start rather
 * than quietly fall back to development tokens anyone can mint.
 */
function authFromEnv(env: NodeJS.ProcessEnv): AuthOptions {
  const configured = PRODUCTION_KEYS.filter((k) => env[k] !== undefined && env[k] !== '');
  const mode = env.AUTH_MODE || (configured.length > 0 ? 'production' : 'development');
  if (mode === 'development') {
    if (configured.length > 0) throw new ConfigError(`AUTH_MODE=development but ${configured.join(', ')} set`);
    return { mode, tokenTtlSeconds: int(env, 'DEV_TOKEN_TTL_SECONDS', 12 * 60 * 60, 1) };
  }
  if (mode !== 'production') throw new ConfigError(`AUTH_MODE must be development or production, got "${mode}"`);
  const issuer = env.AUTH_ISSUER ?? '';
  const audience = env.AUTH_AUDIENCE ?? '';
  if (!issuer || !audience) throw new ConfigError('production auth needs AUTH_ISSUER and AUTH_AUDIENCE');
  const keySources = ['AUTH_JWKS_URL', 'AUTH_PUBLIC_KEY', 'AUTH_PUBLIC_KEY_FILE'].filter((k) => env[k]);
  if (keySources.length !== 1) {
    throw new ConfigError('production auth needs exactly one of AUTH_JWKS_URL, AUTH_PUBLIC_KEY, AUTH_PUBLIC_KEY_FILE');
  }
  const algorithms = env.AUTH_ALGORITHMS ? env.AUTH_ALGORITHMS.split(',').map((a) => a.trim()).filter(Boolean) : undefined;
  const common = { mode, issuer, audience, ...(algorithms ? { algorithms } : {}) } as const;
  if (env.AUTH_JWKS_URL) return { ...common, jwksUrl: env.AUTH_JWKS_URL };
  // Env files cannot hold newlines easily, so a literal \n in AUTH_PUBLIC_KEY stands for one.
  const pem = env.AUTH_PUBLIC_KEY ? env.AUTH_PUBLIC_KEY.replace(/\\n/g, '\n') : readKeyFile(env.AUTH_PUBLIC_KEY_FILE!);
  return { ...common, publicKeyPem: pem };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`AUTH_PUBLIC_KEY_FILE ${path} cannot be read: ${(err as Error).message}`);
  }
}

/** Reads the server's configuration from the environment; throws ConfigError on invalid values. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = int(env, 'PORT', 3000);
  if (port > 65535) throw new ConfigError(`PORT must be ≤ 65535, got ${port}`);
  const syncRaw = env.SYNC_WRITES ?? 'true';
  if (syncRaw !== 'true' && syncRaw !== 'false') throw new ConfigError(`SYNC_WRITES must be true or false, got "${syncRaw}"`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: resolve(env.DATA_DIR ?? './data'),
    logLevel: env.LOG_LEVEL ?? 'info',
    syncWrites: syncRaw === 'true',
    evictAfterMs: int(env, 'EVICT_AFTER_MS', 30_000),
    checksumIntervalMs: int(env, 'CHECKSUM_INTERVAL_MS', 10_000),
    auth: authFromEnv(env),
    openRooms: bool(env, 'OPEN_ROOMS', false),
  };
}
