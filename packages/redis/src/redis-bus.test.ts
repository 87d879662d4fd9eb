import { randomUUID } from 'node:crypto';
import { runRoomBusConformance } from '@dungeon-lab/server/conformance';
import { connectRedis } from './connection.ts';
import { RedisBus } from './redis-bus.ts';
import { redisPerFile } from './redis-bus.test-kit.ts';

const redis = redisPerFile(true);

/** Several buses, each with its own client, on one redis-server: several processes. A fresh prefix per test is a fresh medium. */
runRoomBusConformance('redis', async (processes) => {
  const prefix = `t-${randomUUID()}`;
  const opened = await Promise.all(
    Array.from({ length: processes }, async () => {
      const client = await connectRedis(redis.url(), { onError: () => {} });
      // A handler's failure is expected in [BUS5]; the default reporter would print it.
      return { client, bus: await RedisBus.connect({ client, prefix, onError: () => {} }) };
    }),
  );
  return {
    processes: opened.map((p) => p.bus),
    close: async () => {
      await Promise.all(opened.map((p) => p.bus.close()));
      await Promise.all(opened.map((p) => p.client.close()));
    },
  };
});
