/**
 * What the Redis tests of this package share: one redis-server per test
 * file, and processes (a client and a bus each) on it, closed after each test.
 */
import { randomUUID } from 'node:crypto';
import type { BusMessage } from '@dungeon-lab/server';
import { type RedisServer, startRedis } from '@dungeon-lab/testing/redis-server';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type RedisConnection, closeRedis, connectRedis } from './connection.ts';
import { RedisBus, type RedisBusOptions } from './redis-bus.ts';

export interface TestProcess {
  /** The key prefix of the test: its fresh medium. */
  readonly prefix: string;
  readonly client: RedisConnection;
  readonly bus: RedisBus;
  /** What the bus reported. */
  readonly errors: Array<{ readonly err: unknown; readonly message: BusMessage | null }>;
}

/**
 * Starts a redis-server for the file (or uses REDIS_URL when `shareable`:
 * the file never kills or restarts it) and gives `open`, which connects
 * processes on a fresh key prefix per test.
 */
export function redisPerFile(shareable: boolean): {
  server: () => RedisServer;
  url: () => string;
  /** `count` processes on a fresh key prefix; process i reaches Redis at `urlOf(i)` when given (a fault proxy's, say). */
  open: (count: number, options?: Partial<RedisBusOptions>, urlOf?: (i: number) => string | undefined) => Promise<TestProcess[]>;
  connect: (target?: string) => Promise<RedisConnection>;
} {
  let server: RedisServer | null = null;
  const external = shareable ? process.env.REDIS_URL : undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    if (external === undefined || external === '') server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const url = () => (server === null ? external! : server.url);
  const connect = async (target = url()) => {
    const client = await connectRedis(target, { onError: () => {} });
    cleanups.push(() => closeRedis(client));
    return client;
  };
  return {
    server: () => {
      if (server === null) throw new Error('this file runs on REDIS_URL: it has no server of its own to kill');
      return server;
    },
    url,
    connect,
    async open(count, options = {}, urlOf = () => undefined) {
      const prefix = `t-${randomUUID()}`;
      const processes: TestProcess[] = [];
      for (let i = 0; i < count; i++) {
        const client = await connect(urlOf(i));
        const errors: TestProcess['errors'] = [];
        const bus = await RedisBus.connect({ client, prefix, onError: (err, message) => errors.push({ err, message }), ...options });
        cleanups.push(() => bus.close());
        processes.push({ prefix, client, bus, errors });
      }
      return processes;
    },
  };
}

/** Waits until `predicate` holds: deliveries between processes take a moment on a real Redis. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A conformance cluster of `processes` parts, each on a client of its own,
 * on a fresh key prefix of the Redis at `url`: several processes.
 */
export async function clusterOnRedis<T extends { close(): Promise<void> }>(
  url: string,
  processes: number,
  make: (client: RedisConnection, prefix: string) => Promise<T> | T,
): Promise<{ processes: T[]; close(): Promise<void> }> {
  const prefix = `t-${randomUUID()}`;
  const opened = await Promise.all(
    Array.from({ length: processes }, async () => {
      const client = await connectRedis(url, { onError: () => {} });
      return { client, part: await make(client, prefix) };
    }),
  );
  return {
    processes: opened.map((p) => p.part),
    close: async () => {
      await Promise.all(opened.map((p) => p.part.close()));
      await Promise.all(opened.map((p) => closeRedis(p.client)));
    },
  };
}
