import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from './config.ts';

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
});
