/**
 * A real `redis-server` per test file: its own port on 127.0.0.1, its own
 * data directory with the append-only file fsynced on every write, so a
 * test may kill it, restart it on the same port and find what it was told
 * to keep. Tests never share the machine's Redis, and never mock it.
 *
 * A separate entry point (`@dungeon-lab/testing/redis-server`): it spawns
 * processes, which the browser-side imports of this package must not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/** The binary Debian's `redis-server` package installs; `REDIS_SERVER` points at another. */
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** A port is picked by the OS and released before redis binds it: another process may take it meanwhile, so a clash is retried. */
const START_ATTEMPTS = 5;
const READY_TIMEOUT_MS = 10_000;

export class RedisServerError extends Error {
  override readonly name = 'RedisServerError';
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`: the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** The data directory (AOF): kept by `restart`, removed by `stop`. */
  readonly dir: string;
  /** The running redis-server's process id (a restart changes it), or undefined while it is down. */
  readonly pid: number | undefined;
  /** Sends `signal` (SIGKILL: a crash) and waits for the exit; the data directory stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts it again on the same port, after stopping it gracefully if it runs.
   * `empty`: with its data directory emptied first — Redis restarted with its
   * AOF lost.
   */
  restart(options?: { readonly empty?: boolean }): Promise<void>;
  /** Stops it (SIGTERM: Redis fsyncs and exits) and removes its data directory. */
  stop(): Promise<void>;
  /** The string at `key` (GET on a connection of its own), null when absent — or when the server does not answer within 1 s. */
  get(key: string): Promise<string | null>;
}

/** True once the server at `port` answers PING with PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      // "-LOADING" while the AOF is replayed: not ready yet.
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

/** GET `key` in RESP: a bulk string, or null for a nil reply, an error or no answer within 1 s. */
function getString(port: number, key: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = Buffer.alloc(0);
    const done = (value: string | null) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(1000, () => done(null));
    socket.once('error', () => done(null));
    const keyBytes = Buffer.from(key);
    socket.once('connect', () => socket.write(Buffer.concat([Buffer.from(`*2\r\n$3\r\nGET\r\n$${keyBytes.length}\r\n`), keyBytes, Buffer.from('\r\n')])));
    socket.on('data', (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      const header = answer.indexOf('\r\n');
      if (header < 0) return;
      const first = answer.subarray(0, header).toString('latin1');
      if (!first.startsWith('$')) return done(null);
      const length = Number(first.slice(1));
      if (length < 0) return done(null);
      if (answer.length >= header + 2 + length + 2) done(answer.subarray(header + 2, header + 2 + length).toString());
    });
  });
}

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly output: string[];
}

/** Spawns redis-server on `port` and waits for PONG; rejects with its output if it exits first (a port clash among others). */
async function launch(port: number, dir: string): Promise<Running> {
  const child = spawn(
    REDIS_SERVER,
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      // The AOF is the only persistence: no RDB snapshots in the background.
      '--save', '',
      '--daemonize', 'no',
      '--loglevel', 'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', (err) => reject(new RedisServerError(`cannot run ${REDIS_SERVER}: ${err.message}`))));
  const start = Date.now();
  const ready = (async () => {
    for (;;) {
      if (gone) throw new RedisServerError(`redis-server exited before it answered on port ${port}: ${output.join('').trim()}`);
      if (await answersPing(port)) return;
      if (Date.now() - start > READY_TIMEOUT_MS) {
        child.kill('SIGKILL');
        throw new RedisServerError(`redis-server did not answer PING on port ${port} within ${READY_TIMEOUT_MS} ms: ${output.join('').trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await Promise.race([ready, spawnFailed]);
  return { child, exited, output };
}

async function signal(running: Running, sig: NodeJS.Signals): Promise<void> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(sig);
  await running.exited;
}

/** Starts a redis-server of the test's own; `stop()` it when done. */
export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'dl-redis-'));
  let running: Running | null = null;
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS && running === null; attempt++) {
    port = await freePort();
    try {
      running = await launch(port, dir);
    } catch (err) {
      lastError = err;
    }
  }
  if (running === null) {
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }
  let current: Running | null = running;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return current?.child.pid;
    },
    async kill(sig: NodeJS.Signals = 'SIGKILL') {
      if (current !== null) await signal(current, sig);
      current = null;
    },
    async restart(options = {}) {
      if (current !== null) await signal(current, 'SIGTERM');
      current = null;
      if (options.empty === true) {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir);
      }
      // The clients keep this URL: the same port, retried while the old socket lingers or someone borrowed it.
      let error: unknown;
      for (let attempt = 0; attempt < START_ATTEMPTS && current === null; attempt++) {
        try {
          current = await launch(port, dir);
        } catch (err) {
          error = err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      if (current === null) throw error;
    },
    async stop() {
      if (current !== null) await signal(current, 'SIGTERM');
      current = null;
      await rm(dir, { recursive: true, force: true });
    },
    get: (key) => getString(port, key),
  };
}
