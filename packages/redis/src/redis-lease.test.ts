import { runSessionLeaseConformance } from '@dungeon-lab/server/conformance';
import { RedisLease } from './redis-lease.ts';
import { clusterOnRedis, redisPerFile } from './redis-bus.test-kit.ts';

const redis = redisPerFile(true);

runSessionLeaseConformance('redis', (processes, ttlMs) => clusterOnRedis(redis.url(), processes, (client, prefix) => new RedisLease({ client, prefix, ttlMs })));
