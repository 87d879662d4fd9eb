import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, DEFAULT_OPTIONS } from '@dungeon-lab/server';
import { fileURLToPath } from 'node:url';
import { ConfigError, configFromEnv, DEFAULT_WEB_ROOT, SHIPPED_GAME_SYSTEMS } from './config.ts';

describe('configFromEnv', () => {
  it('defaults to port 3000 on 127.0.0.1 with ./data and fsync on', () => {
    const c = configFromEnv({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.syncWrites).toBe(true);
  });

  it('reads PORT, HOST, DATA_DIR and the tuning knobs', () => {
    const c = configFromEnv({ PORT: '0', HOST: '0.0.0.0', DATA_DIR: '/tmp/x', EVICT_AFTER_MS: '5', SYNC_WRITES: 'false' });
    expect(c).toMatchObject({ port: 0, host: '0.0.0.0', dataDir: '/tmp/x', evictAfterMs: 5, syncWrites: false });
  });

  it('reclaims dead buffers past 32 MB by default, at MEMORY_RECLAIM_MB, or never when off', () => {
    expect(configFromEnv({}).memoryReclaimBytes).toBe(32 * 1024 * 1024);
    expect(configFromEnv({ MEMORY_RECLAIM_MB: '8' }).memoryReclaimBytes).toBe(8 * 1024 * 1024);
    expect(configFromEnv({ MEMORY_RECLAIM_MB: 'off' }).memoryReclaimBytes).toBeNull();
    expect(() => configFromEnv({ MEMORY_RECLAIM_MB: '0' })).toThrow(/MEMORY_RECLAIM_MB must be an integer ≥ 1/);
  });

  it('[L10] keeps 100 of the embedded store\'s files open by default; LEVEL_MAX_OPEN_FILES within what LevelDB keeps', () => {
    expect(configFromEnv({}).levelMaxOpenFiles).toBe(100);
    expect(configFromEnv({ LEVEL_MAX_OPEN_FILES: '1000' }).levelMaxOpenFiles).toBe(1000);
    expect(() => configFromEnv({ LEVEL_MAX_OPEN_FILES: '20' })).toThrow(/LEVEL_MAX_OPEN_FILES must be an integer ≥ 74, got "20"/);
    expect(() => configFromEnv({ LEVEL_MAX_OPEN_FILES: '60000' })).toThrow(/LEVEL_MAX_OPEN_FILES must be ≤ 50000, got 60000/);
  });

  it('rejects invalid values with a clear message', () => {
    expect(() => configFromEnv({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => configFromEnv({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => configFromEnv({ EVICT_AFTER_MS: '-1' })).toThrow(/EVICT_AFTER_MS/);
    expect(() => configFromEnv({ SYNC_WRITES: 'yes' })).toThrow(/SYNC_WRITES/);
  });

  it('defaults to development auth with closed open rooms', () => {
    const c = configFromEnv({});
    expect(c.auth).toEqual({ mode: 'development', tokenTtlSeconds: 43_200 });
    expect(c.openRooms).toBe(false);
    expect(configFromEnv({ OPEN_ROOMS: 'true', DEV_TOKEN_TTL_SECONDS: '60' })).toMatchObject({
      openRooms: true,
      auth: { mode: 'development', tokenTtlSeconds: 60 },
    });
  });

  it('reads production auth from AUTH_* and refuses half a configuration', () => {
    const base = { AUTH_ISSUER: 'https://id.test/', AUTH_AUDIENCE: 'dl' };
    expect(configFromEnv({ ...base, AUTH_JWKS_URL: 'https://id.test/jwks' }).auth).toEqual({
      mode: 'production',
      issuer: 'https://id.test/',
      audience: 'dl',
      jwksUrl: 'https://id.test/jwks',
    });
    const pem = configFromEnv({ ...base, AUTH_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----', AUTH_ALGORITHMS: 'ES256, RS256' }).auth;
    expect(pem).toEqual({
      mode: 'production',
      issuer: 'https://id.test/',
      audience: 'dl',
      publicKeyPem: '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----',
      algorithms: ['ES256', 'RS256'],
    });
    // Any issuer setting implies production, which then needs all of it.
    expect(() => configFromEnv({ AUTH_ISSUER: 'https://id.test/' })).toThrow(/AUTH_AUDIENCE/);
    expect(() => configFromEnv({ AUTH_MODE: 'production' })).toThrow(/AUTH_ISSUER/);
    expect(() => configFromEnv(base)).toThrow(/exactly one of AUTH_JWKS_URL/);
    expect(() => configFromEnv({ ...base, AUTH_JWKS_URL: 'x', AUTH_PUBLIC_KEY: 'y' })).toThrow(/exactly one/);
    expect(() => configFromEnv({ ...base, AUTH_MODE: 'development', AUTH_JWKS_URL: 'x' })).toThrow(/AUTH_MODE=development/);
    expect(() => configFromEnv({ AUTH_MODE: 'none' })).toThrow(/AUTH_MODE/);
    expect(() => configFromEnv({ ...base, AUTH_PUBLIC_KEY_FILE: '/no/such/key.pem' })).toThrow(/cannot be read/);
    expect(() => configFromEnv({ OPEN_ROOMS: 'yes' })).toThrow(/OPEN_ROOMS/);
  });

  it('[F1][F2][F3][F4][F5][F6][F8] reads every limit from the environment, with the server defaults and off', () => {
    const defaults = configFromEnv({});
    expect(defaults.limits).toEqual(DEFAULT_LIMITS);
    expect(defaults.maxUpdateBytes).toBe(8 * 1024 * 1024);
    const c = configFromEnv({
      MAX_CONNECTIONS_PER_USER: '4',
      MAX_CONNECTIONS_PER_IP: 'off',
      UPGRADES_PER_SECOND_PER_USER: '0.5',
      UPGRADE_BURST_PER_USER: '3',
      MESSAGES_PER_SECOND: 'off',
      AWARENESS_PER_SECOND: '30',
      SYNC_REQUEST_BURST: '4',
      MAX_UPDATE_BYTES: '1024',
      MAX_HEADER_BYTES: '8192',
      MAX_PENDING_UPGRADE_BYTES: '0',
      TRUST_PROXY: 'true',
    });
    expect(c.maxUpdateBytes).toBe(1024);
    expect(c.limits).toMatchObject({
      connectionsPerUser: 4,
      connectionsPerIp: Infinity,
      upgradesPerUser: { perSecond: 0.5, burst: 3 },
      upgradesPerIp: DEFAULT_LIMITS.upgradesPerIp,
      messagesPerConnection: { perSecond: Infinity, burst: Infinity },
      awarenessPerConnection: { perSecond: 30, burst: DEFAULT_LIMITS.awarenessPerConnection.burst },
      syncRequestsPerConnection: { perSecond: DEFAULT_LIMITS.syncRequestsPerConnection.perSecond, burst: 4 },
      maxHeaderBytes: 8192,
      maxPendingUpgradeBytes: 0,
      trustProxy: true,
    });
    expect(() => configFromEnv({ MAX_CONNECTIONS_PER_USER: '-1' })).toThrow(/MAX_CONNECTIONS_PER_USER/);
    expect(() => configFromEnv({ MESSAGES_PER_SECOND: '0' })).toThrow(/MESSAGES_PER_SECOND/);
    expect(() => configFromEnv({ AWARENESS_BURST: '0' })).toThrow(/AWARENESS_BURST/);
    expect(() => configFromEnv({ MAX_UPDATE_BYTES: 'big' })).toThrow(/MAX_UPDATE_BYTES/);
    expect(() => configFromEnv({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
  });
});

describe('MAX_ASSET_BYTES, MAX_SESSION_ASSET_BYTES', () => {
  it('[API11] default to 20 MiB and 500 MiB, the server\'s own defaults, and are read as byte counts', () => {
    expect(configFromEnv({}).assets).toEqual({ maxBytes: 20 * 1024 * 1024, maxSessionBytes: 500 * 1024 * 1024 });
    expect(configFromEnv({}).assets).toEqual(DEFAULT_OPTIONS.assets);
    expect(configFromEnv({ MAX_ASSET_BYTES: '1048576', MAX_SESSION_ASSET_BYTES: '0' }).assets).toEqual({ maxBytes: 1048576, maxSessionBytes: 0 });
    expect(() => configFromEnv({ MAX_ASSET_BYTES: '0' })).toThrow(/MAX_ASSET_BYTES/);
    expect(() => configFromEnv({ MAX_ASSET_BYTES: '20MB' })).toThrow(/MAX_ASSET_BYTES/);
    expect(() => configFromEnv({ MAX_SESSION_ASSET_BYTES: '-1' })).toThrow(/MAX_SESSION_ASSET_BYTES/);
  });
});

describe('MONGO_URL, MONGO_DB, REDIS_URL', () => {
  it('[MP3] empty is unset, as for every other variable', () => {
    // Empty is unset, as for every other variable.
    expect(configFromEnv({ REDIS_URL: '', MONGO_URL: '' })).toMatchObject({ port: 3000, mongo: null, redisUrl: null });
  });

  it('[MP3] MONGO_URL selects the MongoDB store, in MONGO_DB or "dungeon-lab"', () => {
    expect(configFromEnv({}).mongo).toBeNull();
    expect(configFromEnv({ MONGO_URL: 'mongodb://127.0.0.1:27017/?replicaSet=rs0' }).mongo).toEqual({ url: 'mongodb://127.0.0.1:27017/?replicaSet=rs0', dbName: 'dungeon-lab' });
    expect(configFromEnv({ MONGO_URL: 'mongodb+srv://db.example', MONGO_DB: 'tables' }).mongo).toEqual({ url: 'mongodb+srv://db.example', dbName: 'tables' });
  });

  it('[MP3] a MONGO_URL that is no connection string, or a MONGO_DB MongoDB refuses, is a configuration error', () => {
    for (const url of ['127.0.0.1:27017', 'http://db', 'mongodb://', 'mongodb:// spaced']) {
      expect(() => configFromEnv({ MONGO_URL: url }), url).toThrow(/MONGO_URL must be a connection string/);
    }
    for (const db of ['a.b', 'a/b', 'a b', 'a$', 'a\u0000', 'x'.repeat(64)]) {
      expect(() => configFromEnv({ MONGO_URL: 'mongodb://db', MONGO_DB: db }), db).toThrow(/MONGO_DB must be a MongoDB database name/);
    }
  });

  it('[MP3] REDIS_URL selects the Redis bus and lease; it must be a redis URL', () => {
    expect(configFromEnv({}).redisUrl).toBeNull();
    expect(configFromEnv({ REDIS_URL: '' }).redisUrl).toBeNull();
    expect(configFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(configFromEnv({ REDIS_URL: 'rediss://user:pw@cache.example:6380/2' }).redisUrl).toBe('rediss://user:pw@cache.example:6380/2');
    expect(() => configFromEnv({ REDIS_URL: '127.0.0.1:6379' })).toThrow(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('[OPS5] a REDIS_URL or MONGO_URL the client would only fail on when connecting is refused at start, naming the variable', () => {
    for (const url of ['redis://127.0.0.1:65536', 'redis://:pw@', 'redis://[::1', 'redis://127.0.0.1:6379/db']) {
      expect(() => configFromEnv({ REDIS_URL: url }), url).toThrow(/^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    }
    expect(configFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379/' }).redisUrl).toBe('redis://127.0.0.1:6379/');
    for (const url of ['mongodb://', 'mongodb://user:p@ss@host', 'mongodb://h:70000', 'mongodb+srv://a:1/x']) {
      expect(() => configFromEnv({ MONGO_URL: url }), url).toThrow(/^MONGO_URL must be a (MongoDB )?connection string/);
    }
    // Several hosts, options: what the driver takes, this takes.
    expect(configFromEnv({ MONGO_URL: 'mongodb://a:27017,b:27018/?replicaSet=rs0' }).mongo?.url).toBe('mongodb://a:27017,b:27018/?replicaSet=rs0');
    // The message never repeats the URL: it may carry a password.
    expect(() => configFromEnv({ MONGO_URL: 'mongodb://user:s3cret@h:70000' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
  });
});

describe('SHUTDOWN_DRAIN_MS', () => {
  it('[OPS3] defaults to 0 (a lone process has no balancer to wait for), takes milliseconds, refuses anything else', () => {
    expect(configFromEnv({}).shutdownDrainMs).toBe(0);
    expect(configFromEnv({ SHUTDOWN_DRAIN_MS: '3000' }).shutdownDrainMs).toBe(3000);
    for (const raw of ['-1', '1.5', 'soon']) expect(() => configFromEnv({ SHUTDOWN_DRAIN_MS: raw }), raw).toThrow(/^SHUTDOWN_DRAIN_MS must be an integer ≥ 0/);
  });
});

describe('DATA_DIR', () => {
  it('is resolved against the directory npm was started from (INIT_CWD), not apps/server', () => {
    expect(configFromEnv({ INIT_CWD: '/srv/dungeon-lab' }).dataDir).toBe('/srv/dungeon-lab/data');
    expect(configFromEnv({ INIT_CWD: '/srv/dungeon-lab', DATA_DIR: 'state' }).dataDir).toBe('/srv/dungeon-lab/state');
    expect(configFromEnv({ INIT_CWD: '/srv/dungeon-lab', DATA_DIR: '/var/lib/dl' }).dataDir).toBe('/var/lib/dl');
  });
});

describe('GAME_SYSTEMS', () => {
  it('ships D&D 5e by default; takes a comma-separated list; none or empty for none; an unknown id is an error', () => {
    expect(configFromEnv({}).gameSystems.map((p) => p.id)).toEqual(['dnd5e']);
    expect(configFromEnv({ GAME_SYSTEMS: ' dnd5e , dnd5e ' }).gameSystems.map((p) => p.id)).toEqual(['dnd5e']);
    expect(configFromEnv({ GAME_SYSTEMS: 'none' }).gameSystems).toEqual([]);
    expect(configFromEnv({ GAME_SYSTEMS: '' }).gameSystems).toEqual([]);
    expect([...SHIPPED_GAME_SYSTEMS.keys()]).toEqual(['dnd5e']);
    expect(() => configFromEnv({ GAME_SYSTEMS: 'dnd5e,pathfinder' })).toThrow(/GAME_SYSTEMS: unknown game system "pathfinder"; this server ships dnd5e/);
    expect(() => configFromEnv({ GAME_SYSTEMS: 'none,dnd5e' })).toThrow(ConfigError);
  });
});

describe('INTENT_BURST, INTENTS_PER_SECOND', () => {
  it('set the per-user intent rate ([EL11]) like every other rate: defaults 30 and 10, off turns it off', () => {
    expect(configFromEnv({}).intentRate).toEqual({ burst: 30, perSecond: 10 });
    expect(configFromEnv({ INTENT_BURST: '5', INTENTS_PER_SECOND: '0.5' }).intentRate).toEqual({ burst: 5, perSecond: 0.5 });
    expect(configFromEnv({ INTENTS_PER_SECOND: 'off' }).intentRate).toEqual({ burst: Infinity, perSecond: Infinity });
    expect(() => configFromEnv({ INTENT_BURST: '0' })).toThrow(/INTENT_BURST/);
    expect(() => configFromEnv({ INTENTS_PER_SECOND: '-1' })).toThrow(/INTENTS_PER_SECOND/);
  });
});

describe('DICE_FIXED', () => {
  it('is unset by default (real dice), reads draws in [0, 1), and is refused by a production server', () => {
    expect(configFromEnv({}).diceFixed).toBeNull();
    expect(configFromEnv({ DICE_FIXED: '0.2' }).diceFixed).toEqual([0.2]);
    expect(configFromEnv({ DICE_FIXED: '0.99, 0,0.5' }).diceFixed).toEqual([0.99, 0, 0.5]);
    for (const bad of ['1', '-0.1', 'x', '0.2,', 'NaN']) expect(() => configFromEnv({ DICE_FIXED: bad })).toThrow(/DICE_FIXED must be numbers in \[0, 1\)/);
    const production = { AUTH_ISSUER: 'https://id.test/', AUTH_AUDIENCE: 'dl', AUTH_JWKS_URL: 'https://id.test/jwks' };
    expect(() => configFromEnv({ ...production, DICE_FIXED: '0.2' })).toThrow(/DICE_FIXED is for tests/);
  });
});

describe('WEB_ROOT', () => {
  it('defaults to apps/web/dist of this repository; a relative WEB_ROOT is resolved like DATA_DIR', () => {
    expect(configFromEnv({}).webRoot).toBe(fileURLToPath(new URL('../../web/dist', import.meta.url)));
    expect(configFromEnv({}).webRoot).toBe(DEFAULT_WEB_ROOT);
    expect(configFromEnv({ INIT_CWD: '/srv/dl', WEB_ROOT: 'public' }).webRoot).toBe('/srv/dl/public');
    expect(configFromEnv({ WEB_ROOT: '/var/www/dl' }).webRoot).toBe('/var/www/dl');
  });
});
