import type { HolderHandler, HolderRequest } from '@dungeon-lab/server';
import { runHolderInboxConformance } from '@dungeon-lab/server/conformance';
import { describe, expect, it } from 'vitest';
import { RedisInbox } from './redis-inbox.ts';
import { clusterOnRedis, redisPerFile } from './redis-bus.test-kit.ts';

const redis = redisPerFile(true);

runHolderInboxConformance('redis', (processes, timeoutMs) =>
  clusterOnRedis(redis.url(), processes, (client, prefix) => RedisInbox.connect({ client, prefix, timeoutMs, onError: () => {} })),
);

describe('redis inbox streams', () => {
  it('[RS10] an answered request leaves nothing in its session stream: the stream does not grow with the intents', async () => {
    const cluster = await clusterOnRedis(redis.url(), 2, (client, prefix) => RedisInbox.connect({ client, prefix, timeoutMs: 5_000, onError: () => {} }));
    try {
      const [holder, forwarder] = cluster.processes;
      let sequence = 0;
      holder!.serve('s1', (async (request: HolderRequest) =>
        request.kind === 'intents' ? request.intents.map(() => ({ id: 'x', success: true, sequence: ++sequence })) : null) as HolderHandler);
      for (let i = 0; i < 20; i++) {
        await forwarder!.forward({ kind: 'intents', sessionId: 's1', userId: 'bob', sender: null, intents: [{ id: `i${i}`, type: 'chat:message', payload: { text: `${i}` } }] });
      }
      expect(sequence).toBe(20);
      const client = await redis.connect();
      const stream = (await client.keys('*inbox:s1'))[0]!;
      // The answer goes out before its entry is deleted: the last deletion may still be on its way.
      for (const deadline = Date.now() + 2_000; (await client.xLen(stream)) > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
      expect(await client.xLen(stream)).toBe(0);
      // Nothing pending either: each was acknowledged as well as deleted.
      expect(await client.xPending(stream, 'sequencer')).toMatchObject({ pending: 0 });
    } finally {
      await cluster.close();
    }
  });
});
