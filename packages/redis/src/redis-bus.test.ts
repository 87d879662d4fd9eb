import { randomUUID } from 'node:crypto';
import { runRoomBusConformance } from '@dungeon-lab/server/conformance';
import { type RedisServer, startRedis } from '@dungeon-lab/testing/redis-server';
import { afterAll, beforeAll } from 'vitest';
import { type RedisConnection, connectRedis } from './connection.ts';
import { RedisBus } from './redis-bus.ts';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

/** Several buses, each with its own client, on one redis-server: several processes. A fresh prefix per test is a fresh medium. */
runRoomBusConformance('redis', async (processes) => {
  const prefix = `t-${randomUUID()}`;
  const clients: RedisConnection[] = [];
  const buses: RedisBus[] = [];
  for (let i = 0; i < processes; i++) {
    const client = await connectRedis(redis.url, { onError: () => {} });
    clients.push(client);
    // A handler's failure is expected in [BUS5]; the default reporter would print it.
    buses.push(await RedisBus.connect({ client, prefix, onError: () => {} }));
  }
  return {
    processes: buses,
    close: async () => {
      await Promise.all(buses.map((b) => b.close()));
      await Promise.all(clients.map((c) => c.close()));
    },
  };
});
