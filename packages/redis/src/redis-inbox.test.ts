import { runHolderInboxConformance } from '@dungeon-lab/server/conformance';
import { RedisInbox } from './redis-inbox.ts';
import { clusterOnRedis, redisPerFile } from './redis-bus.test-kit.ts';

const redis = redisPerFile(true);

runHolderInboxConformance('redis', (processes, timeoutMs) =>
  clusterOnRedis(redis.url(), processes, (client, prefix) => RedisInbox.connect({ client, prefix, timeoutMs, onError: () => {} })),
);
