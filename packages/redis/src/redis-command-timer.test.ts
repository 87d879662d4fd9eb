/**
 * The Redis parts time their commands through an injected CommandTimer
 * ([OM11] in docs/operations.md): here the server's own, read back from its
 * registry in the Prometheus text format.
 */
import { commandTimer, Registry, roomChannel } from '@dungeon-lab/server';
import { parsePrometheusText } from '@dungeon-lab/testing/prometheus-text';
import { describe, expect, it } from 'vitest';
import { RedisBus } from './redis-bus.ts';
import { redisPerFile } from './redis-bus.test-kit.ts';
import { RedisLease } from './redis-lease.ts';

// Kills its redis-server: never on a shared REDIS_URL.
const redis = redisPerFile(false);
const NAME = 'dungeonlab_backend_command_duration_seconds_count';

describe('Redis command timing', () => {
  it('[OM11] the lease and the bus report each command, and a command that failed as an error', async () => {
    const registry = new Registry();
    const timer = commandTimer(registry, 'redis');
    const client = await redis.connect();
    const lease = new RedisLease({ client, ttlMs: 400, timer });
    const bus = await RedisBus.connect({ client, timer, onError: () => {} });
    const heard: unknown[] = [];
    const unsubscribe = bus.subscribe(roomChannel('r'), (message) => void heard.push(message));
    const grant = (await lease.acquire('s1'))!;
    expect(await lease.renew(grant)).toBe(true);
    await bus.publish({ kind: 'doc-update', room: 'r', update: new Uint8Array([0, 0]), ticket: { writer: 1, seq: 1 } });
    expect(heard).toHaveLength(1);
    // The echo may be read on the reader's connection before the XADD's own reply arrives.
    const xadds = async () => parsePrometheusText(await registry.metrics()).all(NAME, { command: 'XADD', outcome: 'ok' });
    for (let i = 0; i < 200 && (await xadds()).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    let scraped = parsePrometheusText(await registry.metrics());
    expect(scraped.value(NAME, { backend: 'redis', command: 'EVAL', outcome: 'ok' })).toBe(2);
    expect(scraped.value(NAME, { backend: 'redis', command: 'XADD', outcome: 'ok' })).toBe(1);
    expect(scraped.value('dungeonlab_backend_command_duration_seconds_bucket', { command: 'EVAL', le: '10' })).toBe(2);

    await redis.server().kill('SIGKILL');
    await expect(lease.renew(grant)).rejects.toThrow();
    scraped = parsePrometheusText(await registry.metrics());
    expect(scraped.value(NAME, { backend: 'redis', command: 'EVAL', outcome: 'error' })).toBe(1);
    unsubscribe();
    await lease.close().catch(() => {});
    await bus.close().catch(() => {});
  });
});
