/**
 * Servers of one deployment in one test process: `createServer` instances,
 * real sockets, each with its own RedisBus, RedisLease and RedisInbox on one
 * redis-server, and a LevelDB store (shared, or one each). Closed after each
 * test.
 */
import { type DungeonLabServer, RATE_LIMITS_OFF, createServer } from '@dungeon-lab/server';
import { createLevelStore } from '@dungeon-lab/store-level';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { type FaultProxy, startFaultProxy } from '@dungeon-lab/testing/fault-proxy';
import { RedisInbox } from './redis-inbox.ts';
import { RedisLease } from './redis-lease.ts';
import { redisPerFile } from './redis-bus.test-kit.ts';

export type Store = Awaited<ReturnType<typeof createLevelStore>>;

export interface ServerOptions {
  /** The lease's ttl ([SL5]); 2 s by default. */
  readonly ttlMs?: number;
  /** The servers (by index) that reach Redis through a fault proxy of their own: `proxyOf` gives it. */
  readonly proxied?: readonly number[];
}

/** A redis-server for the file (REDIS_URL when `shareable`), and servers on it, per test. */
export function serversPerFile(shareable: boolean) {
  const redis = redisPerFile(shareable);
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function levelStore(): Promise<Store> {
    const dir = await mkdtemp(join(tmpdir(), 'dl-redis-store-'));
    const store = await createLevelStore({ dataDir: dir, sync: false });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    cleanups.push(() => store.close());
    return store;
  }

  /** Servers on one key prefix of the file's Redis; `stores[i]` is server i's store (one object for a shared store). */
  const proxies = new Map<DungeonLabServer, FaultProxy>();
  /** The fault proxy between `server` and Redis (started with `proxied`). */
  function proxyOf(server: DungeonLabServer): FaultProxy {
    const proxy = proxies.get(server);
    if (proxy === undefined) throw new Error('this server reaches Redis directly');
    return proxy;
  }

  async function startServers(stores: readonly Store[], { ttlMs = 2_000, proxied = [] }: ServerOptions = {}): Promise<DungeonLabServer[]> {
    const viaProxy = new Map<number, FaultProxy>();
    for (const i of proxied) {
      const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: redis.server().port } });
      cleanups.push(() => proxy.close());
      viaProxy.set(i, proxy);
    }
    const opened = await redis.open(stores.length, {}, (i) => {
      const proxy = viaProxy.get(i);
      return proxy === undefined ? undefined : `redis://${proxy.address}`;
    });
    return Promise.all(
      stores.map(async (store, i) => {
        const { bus, client, prefix } = opened[i]!;
        const lease = new RedisLease({ client, prefix, ttlMs });
        const inbox = await RedisInbox.connect({ client, prefix });
        const server = createServer({ store, bus, lease, inbox, auth: { mode: 'development' }, openRooms: true, limits: RATE_LIMITS_OFF, checksumIntervalMs: 0 });
        await server.listen(0, '127.0.0.1');
        const proxy = viaProxy.get(i);
        if (proxy !== undefined) proxies.set(server, proxy);
        cleanups.push(async () => {
          await server.close();
          await inbox.close();
          await lease.close();
        });
        return server;
      }),
    );
  }

  async function api<T>(server: DungeonLabServer, method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function signIn(server: DungeonLabServer, name: string): Promise<{ token: string; userId: string }> {
    return (await api<{ token: string; userId: string }>(server, 'POST', '/api/dev/login', null, { name })).body;
  }

  /** A stock y-websocket client of `room`, signed in as a new user `who` names, or with a token already issued. */
  async function provider(server: DungeonLabServer, room: string, who: string | { readonly token: string }): Promise<WebsocketProvider> {
    const p = new WebsocketProvider(server.url.replace(/^http/, 'ws'), room, new Y.Doc(), {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      params: { token: typeof who === 'string' ? (await signIn(server, who)).token : who.token },
    });
    cleanups.push(() => p.destroy());
    return p;
  }

  return { redis, cleanups, levelStore, startServers, proxyOf, api, signIn, provider };
}
