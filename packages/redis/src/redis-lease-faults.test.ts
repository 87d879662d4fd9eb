/**
 * The Redis lease when Redis goes away ([RL3], [RL4] in
 * docs/architecture.md). This file kills its redis-server, so it never runs
 * on a shared REDIS_URL.
 */
import type { LeaseGrant } from '@dungeon-lab/server';
import { type FaultProxy, startFaultProxy } from '@dungeon-lab/testing/fault-proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, type RedisConnection } from './connection.ts';
import { RedisLeaseError } from './errors.ts';
import { RedisLease } from './redis-lease.ts';
import { redisPerFile } from './redis-bus.test-kit.ts';

const redis = redisPerFile(false);
const TTL_MS = 400;

const closing: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A client reaching the file's Redis through a fault proxy: a link that can go silent (partition) while its socket stays open. */
async function behindProxy(): Promise<{ proxy: FaultProxy; client: RedisConnection }> {
  const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: redis.server().port } });
  closing.push(() => proxy.close());
  const client = await connectRedis(`redis://${proxy.address}`, { onError: () => {} });
  closing.push(() => closeRedis(client));
  return { proxy, client };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  it('[RL3] a holder whose link goes silent (a partition: no reset, no answer) fails each renewal within half a ttl, and counts the lease lost once a ttl has passed — while another process takes it', async () => {
    const { proxy, client } = await behindProxy();
    const a = new RedisLease({ client, ttlMs: TTL_MS, holder: 'a' });
    const b = new RedisLease({ client: await redis.connect(), ttlMs: TTL_MS, holder: 'b' });
    const lost: LeaseGrant[] = [];
    a.onLost((grant) => lost.push(grant));
    const grant = (await a.acquire('s3'))!;
    proxy.partition();
    // node-redis's own command timeout ends once a command is written: without a bound of the lease's own, this waited for the heal.
    const started = Date.now();
    await expect(a.renew(grant)).rejects.toThrow(RedisLeaseError);
    expect(Date.now() - started).toBeLessThan(TTL_MS);
    expect(lost).toEqual([]);
    await sleep(TTL_MS);
    const taken = await b.acquire('s3');
    expect(taken!.epoch).toBeGreaterThan(grant.epoch);
    expect(await a.renew(grant)).toBe(false);
    expect(lost).toEqual([grant]);
    // The renewals given up reach Redis on the heal: fenced, they leave the new holder's grant alone ([RL2]).
    proxy.heal();
    await sleep(100);
    expect(await b.renew(taken!)).toBe(true);
    await b.close();
  });

  it('[RL5] an acquire whose answer never came leaves a grant naming its process: that process\'s next acquire replaces it with a new epoch at once, rather than the session being nobody\'s until it expires', async () => {
    // A ttl long enough that a grant left to expire would show: the rule says at once.
    const ttlMs = 3_000;
    const { proxy, client } = await behindProxy();
    const a = new RedisLease({ client, ttlMs, holder: 'a' });
    const b = new RedisLease({ client: await redis.connect(), ttlMs, holder: 'b' });
    const direct = await redis.connect();
    proxy.partition();
    const started = Date.now();
    await expect(a.acquire('s4')).rejects.toThrow(RedisLeaseError);
    expect(Date.now() - started).toBeLessThan(ttlMs);
    // On the heal the script runs after all: the lease names a, which was never told.
    proxy.heal();
    const orphan = await (async () => {
      for (const until = Date.now() + 2_000; Date.now() < until; await sleep(10)) {
        const value = await direct.get('dl:lease:s4');
        if (value !== null) return value;
      }
      return null;
    })();
    expect(orphan).toMatch(/^a:\d+$/);
    expect(await b.acquire('s4')).toBeNull();
    const taken = (await a.acquire('s4'))!;
    expect(taken).not.toBeNull();
    expect(taken.epoch).toBeGreaterThan(Number(orphan!.split(':')[1]));
    expect(await a.renew(taken)).toBe(true);
    expect(await direct.get('dl:lease:s4')).toBe(`a:${taken.epoch}`);
    // The holder asking again still gets the grant it holds ([SL3]).
    expect(await a.acquire('s4')).toEqual(taken);
    await a.close();
    await b.close();
  });
});
