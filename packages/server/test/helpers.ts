import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLevelStore } from '@dungeon-lab/store-level';
import type { Store } from '@dungeon-lab/store';
import { spawnWatched } from '@dungeon-lab/testing/process-watch';
import { allSaved as docSaved, recordSaved, SIDECAR_PARAMS } from '@dungeon-lab/testing/saved';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { createServer, type DungeonLabServer, RATE_LIMITS_OFF, type ServerOptions } from '../src/index.ts';
import { ensureAccess, registerServerStore, sessionIn, TEST_AUTH, testAuthEnv, testToken } from './test-identity.ts';

export async function tempDir(prefix = 'dl-server-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface RunningServer {
  readonly server: DungeonLabServer;
  readonly store: Store;
  readonly url: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  /** Closes the server and the store; keeps the data dir. */
  stop(): Promise<void>;
  /** Stops and removes the data dir. */
  dispose(): Promise<void>;
}

export async function startServer(
  options: Partial<Omit<ServerOptions, 'store'>> & {
    dataDir?: string;
    port?: number;
    /** Wraps the real LevelDB store, e.g. to inject a fault for one room. */
    wrapStore?: (store: Store) => Store;
  } = {},
): Promise<RunningServer> {
  const owned = options.dataDir === undefined ? await tempDir() : null;
  const dataDir = options.dataDir ?? owned!.path;
  const level = await createLevelStore({ dataDir });
  const store = options.wrapStore?.(level) ?? level;
  // Tests of sync, limits and the event log authenticate with the test issuer; rooms outside sessions/ stay open to them.
  // Their clients are all one user at one address, which the flood limits would count together:
  // those are off unless a test sets `limits` (docs/security.md, "Limits").
  const server = createServer({ auth: TEST_AUTH, openRooms: true, limits: RATE_LIMITS_OFF, ...options, store });
  await server.listen(options.port ?? 0, '127.0.0.1');
  const unregister = registerServerStore(server.url, store);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    await server.close();
    await store.close();
  };
  return {
    server,
    store,
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    dataDir,
    stop,
    async dispose() {
      await stop();
      await owned?.remove();
    },
  };
}

export interface ProviderOptions {
  sidecar?: boolean;
  connect?: boolean;
  /** Who connects (a test-issuer token; default `tester`). */
  user?: string;
}

/** A stock y-websocket provider in Node; with `sidecar` it also records `saved` state vectors. */
export function connectProvider(
  wsUrl: string,
  room: string,
  doc = new Y.Doc(),
  { sidecar = false, connect = true, user = 'tester' }: ProviderOptions = {},
): WebsocketProvider & { saved: Map<number, number> } {
  // A session room needs the user to be a member first; the provider connects once that is stored.
  const seeding = sessionIn(room) === null ? null : ensureAccess(wsUrl, room, user);
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: connect && seeding === null,
    params: { token: testToken(user), ...(sidecar ? SIDECAR_PARAMS : {}) },
  }) as WebsocketProvider & { saved: Map<number, number> };
  if (seeding !== null && connect) void seeding.then(() => provider.connect());
  provider.saved = sidecar ? recordSaved(provider) : new Map();
  return provider;
}

export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function synced(provider: WebsocketProvider, timeoutMs = 10_000): Promise<void> {
  return waitFor(() => provider.synced, timeoutMs, `sync of ${provider.roomname}`);
}

/** True when the durable state vector covers everything this doc holds. */
export function allSaved(provider: { doc: Y.Doc; saved: Map<number, number> }): boolean {
  return docSaved(provider.doc, provider.saved);
}

const fixture = fileURLToPath(new URL('./fixtures/server-process.ts', import.meta.url));

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly wsUrl: string;
  /** Resolves when the child prints `line` (e.g. a fault-injection marker). */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs a server in its own process, so tests can SIGKILL it; `nodeArgs` go before the script (e.g. --expose-gc). */
export async function spawnServerProcess(env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  const spawned = spawnWatched(process.execPath, [...nodeArgs, '--import', 'tsx', fixture], {
    env: { ...process.env, ...testAuthEnv(), ...env },
    stderr: 'inherit',
    name: `server process ${fixture}`,
  });
  const listening = await spawned.waitForLine((l) => l.startsWith('listening '));
  const url = listening.slice('listening '.length).trim();
  return {
    child: spawned.child,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    waitForLine: spawned.waitForLine,
    kill: spawned.stop,
  };
}
