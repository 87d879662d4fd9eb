/**
 * The Redis lease when Redis goes away ([RL3], [RL4] in
 * docs/architecture.md). This file kills its redis-server, so it never runs
 * on a shared REDIS_URL.
 */
import type { LeaseGrant } from '@dungeon-lab/server';
import { describe, expect, it } from 'vitest';
import { RedisLeaseError } from './errors.ts';
import { RedisLease } from './redis-lease.ts';
import { redisPerFile } from './redis-bus.test-kit.ts';

const redis = redisPerFile(false);
const TTL_MS = 400;

describe('RedisLease', () => {
  it('[RL3] a holder that cannot reach Redis fails its renewals, then counts the lease lost once a ttl has passed; after the restart another takes it with a larger epoch', async () => {
    const a = new RedisLease({ client: await redis.connect(), ttlMs: TTL_MS });
    const lost: LeaseGrant[] = [];
    a.onLost((grant) => lost.push(grant));
    const grant = (await a.acquire('s1'))!;
    await redis.server().kill('SIGKILL');
    // Within the ttl: the renewal fails, the lease is not given up yet.
    await expect(a.renew(grant)).rejects.toThrow(RedisLeaseError);
    expect(lost).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS));
    expect(await a.renew(grant)).toBe(false);
    expect(lost).toEqual([grant]);
    await redis.server().restart();
    const b = new RedisLease({ client: await redis.connect(), ttlMs: TTL_MS });
    const taken = await b.acquire('s1');
    // The AOF kept the epoch counter: the fence still grows across the restart.
    expect(taken!.epoch).toBeGreaterThan(grant.epoch);
    expect(await a.renew(grant)).toBe(false);
    expect(lost).toEqual([grant]);
    await b.close();
  });

  it('[RL4] Redis restarted empty: epochs start over, yet an old grant neither renews nor frees the new holder\'s', async () => {
    const a = new RedisLease({ client: await redis.connect(), ttlMs: TTL_MS, holder: 'a' });
    const b = new RedisLease({ client: await redis.connect(), ttlMs: TTL_MS, holder: 'b' });
    const old = (await a.acquire('s2'))!;
    await redis.server().restart({ empty: true });
    const taken = (await b.acquire('s2'))!;
    expect(taken.epoch).toBe(1);
    expect(await a.renew(old)).toBe(false);
    await a.release(old);
    expect(await b.renew(taken)).toBe(true);
    await b.close();
  });
});
