import { runRoomBusConformance } from '@dungeon-lab/server/conformance';
import { RedisBus } from './redis-bus.ts';
import { clusterOnRedis, redisPerFile } from './redis-bus.test-kit.ts';

const redis = redisPerFile(true);

// A handler's failure is expected in [BUS5]; the default reporter would print it.
runRoomBusConformance('redis', (processes) => clusterOnRedis(redis.url(), processes, (client, prefix) => RedisBus.connect({ client, prefix, onError: () => {} })));
