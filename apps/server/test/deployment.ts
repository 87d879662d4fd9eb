/**
 * What the multi-process tests deploy: the bundled server (what `npm start`
 * runs) as child processes, stock y-websocket clients, a redis-server of
 * their own and a shared store lane. Each test file calls
 * `useDeployment()` once: it bundles src/main.ts before the file's tests and
 * ends what each test started after it.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FaultProxy } from '@dungeon-lab/testing/fault-proxy';
import { type Jongodb, jongodbMissing, startJongodb } from '@dungeon-lab/testing/jongodb';
import { startMongoWireGate } from '@dungeon-lab/testing/mongo-wire-gate';
import { spawnWatched } from '@dungeon-lab/testing/process-watch';
import { type RedisServer, startRedis } from '@dungeon-lab/testing/redis-server';
import { afterEach, beforeAll, expect } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

import { bundleNodeEntry } from '../scripts/bundle.mjs';

export const main = fileURLToPath(new URL('../dist/main.mjs', import.meta.url));

/** Run after the current test, last registered first. */
export const cleanups: Array<() => Promise<unknown> | unknown> = [];

export function useDeployment(): void {
  beforeAll(async () => {
    await bundleNodeEntry(fileURLToPath(new URL('../src/main.ts', import.meta.url)), main);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
}

export interface App {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: string[];
  /** Sends `signal`; the exit that follows is expected. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns the bundle on `env` (PORT 0 unless given) and resolves once it
 * prints `listening on` — or, with `until: 'starting'`, already once its
 * port answers unready while it waits for its backends ([OPS4]).
 */
export async function startApp(env: Record<string, string>, { until: ready = 'listening' }: { until?: 'listening' | 'starting' } = {}): Promise<App> {
  const spawned = spawnWatched(process.execPath, [main], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env }, stderr: 'capture', name: 'the bundle' });
  cleanups.push(() => spawned.stop('SIGKILL'));
  const pattern = ready === 'listening' ? /^listening on (http:\/\/\S+)$/ : /^starting on (http:\/\/\S+)$/;
  const url = pattern.exec(await spawned.waitForLine((line) => pattern.test(line), 60_000))![1]!;
  return { child: spawned.child, url, exited: spawned.exited, output: spawned.output, stop: spawned.stop };
}

export function provider(url: string, room: string, token: string): WebsocketProvider {
  const p = new WebsocketProvider(url.replace('http', 'ws'), room, new Y.Doc(), {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { token },
  });
  cleanups.push(() => p.destroy());
  return p;
}

export async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function post<T>(url: string, body: unknown, token?: string, signal?: AbortSignal): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A dev-mode GM and a session of theirs. */
export async function gmSession(url: string): Promise<{ token: string; sessionId: string }> {
  const login = await post<{ token: string }>(`${url}/api/dev/login`, { name: 'gm' });
  const session = await post<{ id: string }>(`${url}/api/sessions`, { name: 'demo' }, login.body.token);
  expect(session.status).toBe(201);
  return { token: login.body.token, sessionId: session.body.id };
}

export interface Ack {
  id: string;
  success: boolean;
  sequence?: number;
  reason?: string;
}

export async function submit(url: string, sessionId: string, token: string, intents: unknown[], signal?: AbortSignal): Promise<{ status: number; body: Ack[] }> {
  return post<Ack[]>(`${url}/api/sessions/${sessionId}/events`, intents, token, signal);
}

/** A store a lane opened: its connection string, and how to reach it through a proxy. */
export interface MongoEndpoint {
  readonly url: string;
  /** The jongodb server the lane started, for tests that stop it; absent on a real MongoDB. */
  readonly jongodb?: Jongodb;
  /**
   * Points `proxy` at the store and answers a connection string whose every
   * connection goes through it — the driver otherwise learns the members'
   * own addresses and goes around. Undefined when the lane cannot (a real
   * MongoDB given as several hosts or as SRV).
   */
  readonly via?: (proxy: FaultProxy) => Promise<string>;
}

/**
 * Where the multi-process tests keep their shared store: real MongoDB when
 * MONGO_URL names one (reported skipped otherwise), and always the mongo-wire
 * lane, jongodb — which is not MongoDB — behind a gate that runs one
 * transaction at a time (jongodb loses committed writes when they overlap).
 */
export interface MongoLane {
  readonly label: string;
  /** Why the lane cannot run here; null: it runs. */
  readonly skip: string | null;
  open(): Promise<MongoEndpoint>;
}

function endpointOf(url: string): { host: string; port: number } {
  const u = new URL(url.replace(/^mongodb:/, 'http:'));
  return { host: u.hostname, port: Number(u.port || 27017) };
}

function withHost(url: string, address: string, params: Record<string, string> = {}): string {
  const u = new URL(url);
  u.host = address;
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

export const MONGO_LANES: readonly MongoLane[] = [
  {
    label: 'MongoDB',
    skip: process.env.MONGO_URL ? null : 'MONGO_URL is not set',
    async open() {
      const url = process.env.MONGO_URL!;
      // One host: connect straight to it (no discovery), through the proxy.
      const single = url.startsWith('mongodb://') && !/^mongodb:\/\/[^/]*,/.test(url);
      return {
        url,
        ...(single
          ? {
              via: async (proxy: FaultProxy) => {
                proxy.retarget(endpointOf(url));
                return withHost(url, proxy.address, { directConnection: 'true' });
              },
            }
          : {}),
      };
    },
  },
  {
    label: 'mongo-wire (jongodb)',
    skip: jongodbMissing(),
    async open() {
      const server = await startJongodb();
      cleanups.push(() => server.stop());
      const gate = await startMongoWireGate({ target: endpointOf(server.url) });
      cleanups.push(() => gate.close());
      const front = await gate.front();
      return {
        url: withHost(server.url, front.address),
        jongodb: server,
        via: async (proxy) => {
          const advertised = await gate.front(proxy.address);
          proxy.retarget({ host: '127.0.0.1', port: advertised.port });
          return withHost(server.url, proxy.address);
        },
      };
    },
  },
];

/** A database of this run alone: a real MongoDB outlives the test run. */
export function databaseName(name: string): string {
  return `${name}-${process.pid}-${Date.now().toString(36)}`;
}

/** A redis-server of the test's own, stopped after it. */
export async function testRedis(): Promise<RedisServer> {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  return redis;
}

/** `count` bundled processes on one redis-server of their own and one database on `lane`, each on `extraEnv` too. */
export async function sharedProcesses(
  lane: MongoLane,
  count: number,
  db: string,
  extraEnv: Record<string, string> = {},
): Promise<App[] & { redis: RedisServer; mongo: { url: string; db: string; jongodb: Jongodb | null }; env: Record<string, string> }> {
  const endpoint = await lane.open();
  const mongo = { url: endpoint.url, db: databaseName(db), jongodb: endpoint.jongodb ?? null };
  const redis = await testRedis();
  const env = { MONGO_URL: mongo.url, MONGO_DB: mongo.db, REDIS_URL: redis.url, OPEN_ROOMS: 'true', INTENTS_PER_SECOND: 'off', ...extraEnv };
  const apps: App[] = [];
  for (let i = 0; i < count; i++) apps.push(await startApp(env));
  return Object.assign(apps, { redis, mongo, env });
}

/** The lane the tests that stop or restart the store run on: the mongo-wire one, whose server they control. */
export const JONGODB_LANE: MongoLane = MONGO_LANES[1]!;
