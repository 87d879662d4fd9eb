/**
 * jongodb: an in-memory server that speaks MongoDB's wire protocol (OP_MSG),
 * shipped as a native launcher in the npm package
 * `@jongodb/memory-server-bin-linux-x64-gnu`. It is NOT MongoDB: it keeps
 * nothing on disk and its transactions are not isolated from each other
 * (two concurrent transactions on one document both commit). Tests on it
 * prove our use of the official driver, BSON, indexes and duplicate-key
 * errors; only a real MongoDB (MONGO_URL) proves the rest. Name it
 * "mongo-wire (jongodb)" in test titles, never MongoDB.
 *
 * The package is an optional dependency: it exists for linux x64 with glibc
 * only, and elsewhere `jongodbBinary()` answers null so the lane is skipped
 * with that reason.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PACKAGE = '@jongodb/memory-server-bin-linux-x64-gnu';
const START_TIMEOUT_MS = 30_000;

/** Why the jongodb lane cannot run here, or null when it can. */
export function jongodbMissing(): string | null {
  return jongodbBinary() === null ? `${PACKAGE} is not installed (it exists for linux x64 with glibc only)` : null;
}

export function jongodbBinary(): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`);
    const binary = join(dirname(manifest), 'bin', 'jongodb');
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

export interface Jongodb {
  /** A connection string for the official driver: `mongodb://127.0.0.1:<port>/test?replicaSet=rs0&serverMonitoringMode=poll`. */
  readonly url: string;
  /** The server's process id. */
  readonly pid: number;
  /** Ends the server (SIGKILL: it holds nothing worth a graceful stop) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a jongodb server on 127.0.0.1 and a free port (the server picks it:
 * `--port=0`) or `port` (a server started again where clients look for it;
 * it starts empty: jongodb keeps nothing), answering as a single-node
 * replica set `rs0` so the driver runs transactions on it — or, with
 * `standalone`, as a standalone server. Resolves once it prints its URI.
 */
export async function startJongodb(options: { standalone?: boolean; port?: number } = {}): Promise<Jongodb> {
  const binary = jongodbBinary();
  if (binary === null) throw new Error(jongodbMissing() ?? 'jongodb missing');
  const topology = options.standalone === true ? ['--topology-profile=standalone'] : ['--topology-profile=singleNodeReplicaSet', '--replica-set-name=rs0'];
  const child = spawn(binary, ['--host=127.0.0.1', `--port=${options.port ?? 0}`, ...topology], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const fail = (why: string): void => {
      child.kill('SIGKILL');
      reject(new Error(`jongodb did not start: ${why}\n${output}`));
    };
    const timer = setTimeout(() => fail(`no URI within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /JONGODB_URI=(\S+)/.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolve(match[1]);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`exited (code ${code}, signal ${signal})`));
  });
  // jongodb breaks the driver's streaming server monitoring ("Server ended moreToCome unexpectedly",
  // which clears the connection pool under every operation in flight); polling works.
  return { url: `${url}${url.includes('?') ? '&' : '?'}serverMonitoringMode=poll`, pid: child.pid!, stop: () => stop(child) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
