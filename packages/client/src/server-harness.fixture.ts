import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type DungeonLabServer, type ServerOptions } from '@dungeon-lab/server';
import { createLevelStore } from '@dungeon-lab/store-level';
import WebSocket from 'ws';
import type { ReadableValue } from './readable-value.ts';
import { SessionApi } from './session-api.ts';
import { SessionClient, type SessionClientOptions } from './session-client.ts';
import type { SyncState } from './sync-state.ts';

/** Test support: a real server on a LevelDB store in a temp dir, real sessions on it, and clients that talk to it. */

export async function tempDir(prefix = 'dl-client-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  server: DungeonLabServer;
  /** Closes server and store; the data stays for `start()`. */
  stop(): Promise<void>;
  /** Starts again on the same port and data dir. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startTestServer(options: Partial<Omit<ServerOptions, 'store'>> = {}): Promise<TestServer> {
  const dir = await tempDir('dl-client-server-');
  let running: { server: DungeonLabServer; close: () => Promise<void> } | null = null;
  let port = 0;
  const start = async () => {
    const store = await createLevelStore({ dataDir: dir.path });
    const server = createServer({ checksumIntervalMs: 100, ...options, store });
    await server.listen(port, '127.0.0.1');
    port = Number(new URL(server.url).port);
    running = {
      server,
      close: async () => {
        await server.close();
        await store.close();
      },
    };
  };
  await start();
  const handle: TestServer = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get server() {
      if (!running) throw new Error('server is stopped');
      return running.server;
    },
    async stop() {
      const current = running;
      running = null;
      await current?.close();
    },
    start,
    async dispose() {
      await handle.stop();
      await dir.remove();
    },
  };
  return handle;
}

export interface TestUser {
  readonly name: string;
  readonly userId: string;
  readonly token: string;
}

export interface TestSession {
  readonly id: string;
  readonly joinCode: string;
  /** The session's creator, its GM. */
  readonly gm: TestUser;
  /** Everyone, the GM included, by login name. */
  readonly users: Readonly<Record<string, TestUser>>;
}

function must<T>(answer: { ok: true; data: T } | { ok: false; status: number; error: string }, what: string): T {
  if (!answer.ok) throw new Error(`${what} failed: ${answer.status} ${answer.error}`);
  return answer.data;
}

/** `POST /api/dev/login` as `name`. */
export async function devLogin(url: string, name: string): Promise<TestUser> {
  const login = must(await new SessionApi({ serverUrl: url }).devLogin(name), `dev login of ${name}`);
  return { name, userId: login.userId, token: login.token };
}

/**
 * A real session, made as a client would: the first name logs in and
 * creates it (its GM), every other name logs in and joins with the code.
 */
export async function createTestSession(url: string, names: readonly string[] = ['gm'], sessionName = 'test session'): Promise<TestSession> {
  const [gmName, ...players] = names;
  if (gmName === undefined) throw new Error('a session needs a GM');
  const gm = await devLogin(url, gmName);
  const created = must(await new SessionApi({ serverUrl: url, token: gm.token }).createSession(sessionName), 'create session');
  const users: Record<string, TestUser> = { [gmName]: gm };
  await Promise.all(
    players.map(async (name) => {
      const user = await devLogin(url, name);
      must(await new SessionApi({ serverUrl: url, token: user.token }).joinSession(created.id, created.joinCode), `join of ${name}`);
      users[name] = user;
    }),
  );
  return { id: created.id, joinCode: created.joinCode, gm, users };
}

/** A SessionClient over real sockets with test-friendly reconnect timing. */
export function testClient(url: string, options: Partial<SessionClientOptions> & Pick<SessionClientOptions, 'sessionId' | 'token'>): SessionClient {
  return new SessionClient({
    serverUrl: url,
    docs: ['table'],
    WebSocketPolyfill: WebSocket,
    backoff: { initialDelayMs: 50, maxDelayMs: 400 },
    ...options,
  });
}

/** Counts WebSocket upgrade requests reaching the server (refused ones included). */
export function countUpgrades(server: TestServer): { readonly count: () => number } {
  let n = 0;
  server.server.httpServer.on('upgrade', () => n++);
  return { count: () => n };
}

export async function waitFor(predicate: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function waitForValue<T>(value: ReadableValue<T>, predicate: (v: T) => boolean, what = 'value'): Promise<void> {
  return waitFor(() => predicate(value.get()), what);
}

/** Records every transition of every document of a client. */
export function recordTransitions(client: SessionClient): Array<{ doc: string; from: SyncState; to: SyncState }> {
  const log: Array<{ doc: string; from: SyncState; to: SyncState }> = [];
  client.on('transition', (e) => log.push(e));
  return log;
}

export { seededRandom } from '@dungeon-lab/testing';
