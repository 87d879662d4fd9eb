import { resolve } from 'node:path';

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly logLevel: string;
  /** fsync every store write (default). Turning it off trades crash safety of the OS for speed. */
  readonly syncWrites: boolean;
  readonly evictAfterMs: number;
  readonly checksumIntervalMs: number;
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
  };
}
