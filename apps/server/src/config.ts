import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { dnd5ePlugin } from '@dungeon-lab/plugin-dnd5e';
import { ConnectionString } from 'mongodb-connection-string-url';
import {
  type AssetLimits,
  type AuthOptions,
  DEFAULT_LIMITS,
  DEFAULT_MEMORY_RECLAIM,
  DEFAULT_OPTIONS,
  type LimitOptions,
  type RateLimit,
} from '@dungeon-lab/server';
import { DEFAULT_MAX_OPEN_FILES } from '@dungeon-lab/store-level';

/** The game systems this server ships, by plugin id: what `GAME_SYSTEMS` chooses from. */
export const SHIPPED_GAME_SYSTEMS: ReadonlyMap<string, GameSystemPlugin> = new Map([[dnd5ePlugin.id, dnd5ePlugin]]);
const DEFAULT_GAME_SYSTEMS = 'dnd5e';

/**
 * The built browser app, `apps/web/dist`, found from this module: `src/` when
 * run from source, `dist/` in the bundle `npm start` runs — both two levels
 * below `apps/`.
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** `MONGO_URL`: the MongoDB store several processes share, instead of the embedded one ([MP3]). */
export interface MongoConfig {
  readonly url: string;
  /** `MONGO_DB`, default `dungeon-lab`. */
  readonly dbName: string;
}

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /** The embedded store's directory; unused when `mongo` is set. */
  readonly dataDir: string;
  /** The MongoDB store, when `MONGO_URL` is set; null: the embedded store in `dataDir`. */
  readonly mongo: MongoConfig | null;
  readonly logLevel: string;
  /** fsync every store write (default). Turning it off trades crash safety of the OS for speed. */
  readonly syncWrites: boolean;
  /** `LEVEL_MAX_OPEN_FILES`: the embedded store's table cache, which bounds its mapped files ([L10] in docs/storage.md). */
  readonly levelMaxOpenFiles: number;
  readonly evictAfterMs: number;
  readonly checksumIntervalMs: number;
  /** Development (server-signed tokens, /api/dev/login) or production (tokens of a configured issuer). */
  readonly auth: AuthOptions;
  /** Rooms outside `sessions/` open to any valid token (docs/security.md [A13]). */
  readonly openRooms: boolean;
  readonly maxMessageBytes: number;
  readonly maxUpdateBytes: number;
  /** Connection, rate and pre-authentication limits (docs/security.md, "Limits"). */
  readonly limits: LimitOptions;
  /** Growth of dead buffers that makes the process collect them (docs/performance.md); null: V8's own schedule only. */
  readonly memoryReclaimBytes: number | null;
  /** Game-system plugins whose intents the server accepts (`GAME_SYSTEMS`). */
  readonly gameSystems: readonly GameSystemPlugin[];
  /** Intents per user ([EL11]): burst, then per second. */
  readonly intentRate: RateLimit;
  /** Directory of the built browser app; main serves it when it exists. */
  readonly webRoot: string;
  /** `REDIS_URL`: the Redis room bus, session lease and holder inbox, for several processes ([MP3]); null: one process, the in-process ones. */
  readonly redisUrl: string | null;
  /** Largest image upload, and most image bytes per session ([API11]). */
  readonly assets: AssetLimits;
  /** `DICE_FIXED`: the draws every die takes in turn, for tests that need known rolls; null: real dice. */
  readonly diceFixed: readonly number[] | null;
  /**
   * `SHUTDOWN_DRAIN_MS`: how long a replica told to stop answers `/readyz`
   * with 503 while still serving, before it closes ([OPS3] in
   * docs/operations.md): long enough for the load balancer's health check to
   * take it out. 0 (the default): a single process has no balancer to wait for.
   */
  readonly shutdownDrainMs: number;
}

const MB = 1024 * 1024;

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

/** A count limit: a non-negative integer, or `off`. */
function countLimit(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  return env[key] === 'off' ? Infinity : int(env, key, fallback);
}

function positive(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${key} must be a number > 0 or off, got "${raw}"`);
  return n;
}

/** A rate limit from its two variables; `off` in either turns the limit off. */
function rateLimit(env: NodeJS.ProcessEnv, perSecondKey: string, burstKey: string, fallback: RateLimit): RateLimit {
  if (env[perSecondKey] === 'off' || env[burstKey] === 'off') return { burst: Infinity, perSecond: Infinity };
  return { perSecond: positive(env, perSecondKey, fallback.perSecond), burst: int(env, burstKey, fallback.burst, 1) };
}

function limitsFromEnv(env: NodeJS.ProcessEnv): LimitOptions {
  const d = DEFAULT_LIMITS;
  return {
    connectionsPerUser: countLimit(env, 'MAX_CONNECTIONS_PER_USER', d.connectionsPerUser),
    connectionsPerIp: countLimit(env, 'MAX_CONNECTIONS_PER_IP', d.connectionsPerIp),
    upgradesPerUser: rateLimit(env, 'UPGRADES_PER_SECOND_PER_USER', 'UPGRADE_BURST_PER_USER', d.upgradesPerUser),
    upgradesPerIp: rateLimit(env, 'UPGRADES_PER_SECOND_PER_IP', 'UPGRADE_BURST_PER_IP', d.upgradesPerIp),
    messagesPerConnection: rateLimit(env, 'MESSAGES_PER_SECOND', 'MESSAGE_BURST', d.messagesPerConnection),
    bytesPerConnection: rateLimit(env, 'MESSAGE_BYTES_PER_SECOND', 'MESSAGE_BYTE_BURST', d.bytesPerConnection),
    rateLimitGraceMs: int(env, 'RATE_LIMIT_GRACE_MS', d.rateLimitGraceMs),
    awarenessPerConnection: rateLimit(env, 'AWARENESS_PER_SECOND', 'AWARENESS_BURST', d.awarenessPerConnection),
    awarenessBytesPerConnection: rateLimit(env, 'AWARENESS_BYTES_PER_SECOND', 'AWARENESS_BYTE_BURST', d.awarenessBytesPerConnection),
    syncRequestsPerConnection: rateLimit(env, 'SYNC_REQUESTS_PER_SECOND', 'SYNC_REQUEST_BURST', d.syncRequestsPerConnection),
    maxHeaderBytes: int(env, 'MAX_HEADER_BYTES', d.maxHeaderBytes, 1),
    headersTimeoutMs: int(env, 'HEADERS_TIMEOUT_MS', d.headersTimeoutMs, 1),
    maxPendingUpgradeBytes: int(env, 'MAX_PENDING_UPGRADE_BYTES', d.maxPendingUpgradeBytes),
    trustProxy: bool(env, 'TRUST_PROXY', d.trustProxy),
    auditDenials: rateLimit(env, 'AUDIT_DENIALS_PER_SECOND', 'AUDIT_DENIAL_BURST', d.auditDenials),
  };
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

/** `GAME_SYSTEMS`: comma-separated plugin ids; `none` or empty for none; an id the server does not ship is an error. */
function gameSystemsFromEnv(env: NodeJS.ProcessEnv): GameSystemPlugin[] {
  const ids = (env.GAME_SYSTEMS ?? DEFAULT_GAME_SYSTEMS)
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 1 && ids[0] === 'none') return [];
  const shipped = [...SHIPPED_GAME_SYSTEMS.keys()].join(', ');
  return [...new Set(ids)].map((id) => {
    const plugin = SHIPPED_GAME_SYSTEMS.get(id);
    if (plugin === undefined) throw new ConfigError(`GAME_SYSTEMS: unknown game system "${id}"; this server ships ${shipped} (or none)`);
    return plugin;
  });
}

/** `REDIS_URL`: a `redis://` or `rediss://` URL; empty is unset. */
function redisUrlFromEnv(env: NodeJS.ProcessEnv): string | null {
  const raw = env.REDIS_URL;
  if (raw === undefined || raw === '') return null;
  const refuse = (why: string) => new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL (redis://[user:password@]host[:port][/db])${why}`);
  if (!/^rediss?:\/\/[^\s]+$/.test(raw)) throw refuse(`, got "${raw}"`);
  // What the client would fail on only once connecting (a port out of range, no host, a db that is no number), refused now.
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse(': it does not parse as a URL');
  }
  if (url.hostname === '') throw refuse(': it names no host');
  if (!/^(\/\d*)?$/.test(url.pathname)) throw refuse(': the path must be a database number');
  return raw;
}

/** Characters MongoDB refuses in a database name (on any platform), and its length limit in bytes. */
const MONGO_DB_FORBIDDEN = /[/\\. "$*<>:|?\0]/;
const MONGO_DB_MAX_BYTES = 63;

function mongoFromEnv(env: NodeJS.ProcessEnv): MongoConfig | null {
  const url = env.MONGO_URL;
  if (url === undefined || url === '') return null;
  if (!/^mongodb(\+srv)?:\/\/\S+$/.test(url)) throw new ConfigError('MONGO_URL must be a connection string starting with mongodb:// or mongodb+srv://');
  // The driver's own parser: what it would refuse at connect time is refused here. Its message never repeats the URL (a password).
  const refuse = (why: string) => new ConfigError(`MONGO_URL must be a MongoDB connection string (mongodb://host[:port][,host…]/[?options]): ${why}`);
  let hosts: string[];
  try {
    hosts = new ConnectionString(url).hosts;
  } catch (err) {
    throw refuse((err as Error).message);
  }
  for (const host of hosts) {
    const port = /:(\d+)$/.exec(host)?.[1];
    if (port !== undefined && Number(port) > 65535) throw refuse(`port ${port} is over 65535`);
  }
  const dbName = env.MONGO_DB === undefined || env.MONGO_DB === '' ? 'dungeon-lab' : env.MONGO_DB;
  if (MONGO_DB_FORBIDDEN.test(dbName) || Buffer.byteLength(dbName) > MONGO_DB_MAX_BYTES) {
    throw new ConfigError(`MONGO_DB must be a MongoDB database name (at most ${MONGO_DB_MAX_BYTES} bytes, none of / \\ . " $ * < > : | ? or NUL), got ${JSON.stringify(dbName)}`);
  }
  return { url, dbName };
}

/**
 * `DICE_FIXED`: draws in [0, 1), comma-separated, that dice take in turn
 * (a d20 shows floor(draw × 20) + 1), so an end-to-end test knows its rolls.
 * Never on a production server: players would play with loaded dice.
 */
function diceFromEnv(env: NodeJS.ProcessEnv, auth: AuthOptions): number[] | null {
  const raw = env.DICE_FIXED;
  if (raw === undefined || raw === '') return null;
  if (auth.mode === 'production') throw new ConfigError('DICE_FIXED is for tests: a production server rolls real dice');
  return raw.split(',').map((part) => {
    const draw = Number(part.trim());
    if (part.trim() === '' || !Number.isFinite(draw) || draw < 0 || draw >= 1) {
      throw new ConfigError(`DICE_FIXED must be numbers in [0, 1) separated by commas, got "${raw}"`);
    }
    return draw;
  });
}

/** LevelDB would clip anything outside [74, 50000] without a word; a setting it would not keep is refused instead. */
function levelMaxOpenFilesFromEnv(env: NodeJS.ProcessEnv): number {
  const value = int(env, 'LEVEL_MAX_OPEN_FILES', DEFAULT_MAX_OPEN_FILES, 74);
  if (value > 50_000) throw new ConfigError(`LEVEL_MAX_OPEN_FILES must be ≤ 50000, got ${value}`);
  return value;
}

/** Reads the server's configuration from the environment; throws ConfigError on invalid values. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = int(env, 'PORT', 3000);
  if (port > 65535) throw new ConfigError(`PORT must be ≤ 65535, got ${port}`);
  const syncRaw = env.SYNC_WRITES ?? 'true';
  if (syncRaw !== 'true' && syncRaw !== 'false') throw new ConfigError(`SYNC_WRITES must be true or false, got "${syncRaw}"`);
  // Paths given in the environment are relative to where `npm start` was typed (npm runs workspace scripts inside apps/server).
  const cwd = env.INIT_CWD ?? process.cwd();
  const auth = authFromEnv(env);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: resolve(cwd, env.DATA_DIR ?? './data'),
    mongo: mongoFromEnv(env),
    logLevel: env.LOG_LEVEL ?? 'info',
    syncWrites: syncRaw === 'true',
    levelMaxOpenFiles: levelMaxOpenFilesFromEnv(env),
    evictAfterMs: int(env, 'EVICT_AFTER_MS', 30_000),
    checksumIntervalMs: int(env, 'CHECKSUM_INTERVAL_MS', 10_000),
    auth,
    openRooms: bool(env, 'OPEN_ROOMS', false),
    maxMessageBytes: int(env, 'MAX_MESSAGE_BYTES', DEFAULT_OPTIONS.maxMessageBytes, 1),
    maxUpdateBytes: int(env, 'MAX_UPDATE_BYTES', DEFAULT_OPTIONS.maxUpdateBytes, 1),
    limits: limitsFromEnv(env),
    memoryReclaimBytes: env.MEMORY_RECLAIM_MB === 'off' ? null : int(env, 'MEMORY_RECLAIM_MB', DEFAULT_MEMORY_RECLAIM.afterBytes / MB, 1) * MB,
    gameSystems: gameSystemsFromEnv(env),
    intentRate: rateLimit(env, 'INTENTS_PER_SECOND', 'INTENT_BURST', DEFAULT_OPTIONS.eventLog.rateLimit),
    webRoot: env.WEB_ROOT ? resolve(cwd, env.WEB_ROOT) : DEFAULT_WEB_ROOT,
    redisUrl: redisUrlFromEnv(env),
    assets: {
      maxBytes: int(env, 'MAX_ASSET_BYTES', DEFAULT_OPTIONS.assets.maxBytes, 1),
      maxSessionBytes: int(env, 'MAX_SESSION_ASSET_BYTES', DEFAULT_OPTIONS.assets.maxSessionBytes),
    },
    diceFixed: diceFromEnv(env, auth),
    shutdownDrainMs: int(env, 'SHUTDOWN_DRAIN_MS', 0),
  };
}
