import { randomUUID } from 'node:crypto';
import { runSessionLeaseConformance } from '@dungeon-lab/server/conformance';
import { connectRedis } from './connection.ts';
import { RedisLease } from './redis-lease.ts';
import { redisPerFile } from './redis-bus.test-kit.ts';

const redis = redisPerFile(true);

/** Several leases, each with its own client, on one redis-server; a fresh prefix per test is a fresh lease service. */
runSessionLeaseConformance('redis', async (processes, ttlMs) => {
  const prefix = `t-${randomUUID()}`;
  const opened = await Promise.all(
    Array.from({ length: processes }, async () => {
      const client = await connectRedis(redis.url(), { onError: () => {} });
      return { client, lease: new RedisLease({ client, prefix, ttlMs }) };
    }),
  );
  return {
    processes: opened.map((p) => p.lease),
    close: async () => {
      await Promise.all(opened.map((p) => p.lease.close()));
      await Promise.all(opened.map((p) => p.client.close()));
    },
  };
});
