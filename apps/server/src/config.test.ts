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
});
