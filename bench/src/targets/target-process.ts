import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { bundleNodeEntry } from '../../../apps/server/scripts/bundle.mjs';
import { devLogin } from '../clients/session-api.ts';
import { serverPinPrefix } from '../host/affinity.ts';
import { READY_PREFIX, type ReadyLine, STATS_PREFIX, type ServerStats } from './servers/harness.ts';
import type { TargetSpec } from './registry.ts';

export const HOST = '127.0.0.1';
const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STATS_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const STDERR_TAIL_LINES = 40;

export interface TargetOptions {
  /** For targets that evict idle rooms after a delay. */
  readonly evictAfterMs?: number;
  /** Environment added to this start's (after the spec's own), e.g. the shared services of several processes. */
  readonly env?: Readonly<Record<string, string>>;
  /** Fills a persistent target's fresh data directory before its first start (e.g. a store of earlier rooms). */
  readonly prepareDataDir?: (dataDir: string) => Promise<void>;
}

/** The line apps/server's main prints once it listens. */
const APP_LISTENING = /^listening on (http:\/\/\S+)$/;
/** The user the shared workloads' clients connect as (bench/src/targets/servers/ours.ts logs in the same). */
const BENCH_USER = 'bench';

/** Every child still alive, so that no target outlives the runner however it exits. */
const live = new Set<ChildProcess>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** The token the target issued for its clients (see ReadyLine), if it authenticates. */
  readonly token: string | undefined;
  /** How long before its ready line the target was already listening. */
  readonly listeningForMs: number;
  readonly exited: Promise<void>;
  readonly statsWaiters: Array<(stats: ServerStats) => void>;
  readonly stderrTail: string[];
}

/**
 * One target running in its own process on the server core. It listens on a
 * port the OS picks (read back from the child's stdout) and can be killed
 * with SIGKILL and restarted on the same port and data directory.
 */
export class TargetProcess {
  private child: Child;
  private stopped = false;

  private constructor(
    readonly spec: TargetSpec,
    private readonly options: TargetOptions,
    private readonly dataDir: string | undefined,
    child: Child,
  ) {
    this.child = child;
  }

  static async start(spec: TargetSpec, options: TargetOptions = {}): Promise<TargetProcess> {
    installExitHooks();
    const dataDir = spec.persistent ? mkdtempSync(join(tmpdir(), `dl-bench-${spec.name}-`)) : undefined;
    try {
      if (dataDir && options.prepareDataDir) await options.prepareDataDir(dataDir);
      const child = await launch(spec, options, dataDir, 0);
      return new TargetProcess(spec, options, dataDir, child);
    } catch (error) {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid;
  }

  get port(): number {
    return this.child.port;
  }

  /**
   * How long the current process had been listening when it reported ready
   * (ours logs in for its token first): a restart's "listening" moment is this
   * much before `restart()` resolved.
   */
  get listeningForMs(): number {
    return this.child.listeningForMs;
  }

  /**
   * Base WebSocket URL, with the target's token as a `token` query parameter
   * when it authenticates (wires keep the query on every room URL). Clients
   * that reconnect read it again: a restart may move the port and issues a
   * new token.
   */
  get url(): string {
    const token = this.child.token;
    return token === undefined ? this.wsUrl : this.urlWithToken(token);
  }

  /** The base WebSocket URL for a client of its own identity (workloads that log in several users). */
  urlWithToken(token: string): string {
    return `${this.wsUrl}/?token=${encodeURIComponent(token)}`;
  }

  /** `http://host:port`, for targets with an HTTP API. */
  get httpUrl(): string {
    return `http://${HOST}:${this.child.port}`;
  }

  private get wsUrl(): string {
    return `ws://${HOST}:${this.child.port}`;
  }

  /** Memory and room count as the target's own process sees them, after a compacting full GC (harness.ts). */
  async stats(): Promise<ServerStats> {
    const child = this.child;
    return new Promise<ServerStats>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.spec.name}: no stats reply`)), STATS_TIMEOUT_MS);
      child.statsWaiters.push((stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      child.process.stdin?.write('stats\n');
    });
  }

  /** SIGKILL, as a crash: no shutdown code of the target runs. */
  async kill9(): Promise<void> {
    this.child.process.kill('SIGKILL');
    await this.child.exited;
  }

  /** Starts the target again on the same port (or a fresh one if that is taken) and data directory. */
  async restart(): Promise<void> {
    try {
      this.child = await launch(this.spec, this.options, this.dataDir, this.child.port);
    } catch {
      this.child = await launch(this.spec, this.options, this.dataDir, 0);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { process: proc, exited } = this.child;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  stderrTail(): string {
    return this.child.stderrTail.join('\n');
  }
}

const bundles = new Map<string, Promise<string>>();

/**
 * Every target runs as `npm start` runs ours: one bundle on plain Node (our
 * TypeScript packages bundled in, third-party packages from node_modules),
 * not through tsx. Built once per run, next to the entry so that its
 * third-party imports resolve from the bench's node_modules.
 */
function targetBundle(spec: TargetSpec): Promise<string> {
  const outfile = spec.bundle ?? join(BENCH_DIR, '.build', `${spec.name}.mjs`);
  let bundle = bundles.get(outfile);
  if (bundle === undefined) {
    bundle = bundleNodeEntry(spec.entry, outfile).then(() => outfile);
    bundles.set(outfile, bundle);
  }
  return bundle;
}

/** How a target is told where to listen, its data directory and eviction delay: flags, or the app's environment. */
function placement(spec: TargetSpec, options: TargetOptions, dataDir: string | undefined, port: number): { args: string[]; env: Record<string, string> } {
  if (spec.kind === 'app') {
    const env: Record<string, string> = { HOST, PORT: String(port) };
    if (dataDir) env.DATA_DIR = dataDir;
    if (options.evictAfterMs !== undefined) env.EVICT_AFTER_MS = String(options.evictAfterMs);
    return { args: [], env };
  }
  const args = ['--host', HOST, '--port', String(port)];
  if (dataDir) args.push('--data-dir', dataDir);
  if (options.evictAfterMs !== undefined) args.push('--evict-ms', String(options.evictAfterMs));
  return { args, env: {} };
}

/**
 * The app prints its URL, not a ready line: the runner logs in for the token
 * itself, as ours' harness does inside its process (so `listeningForMs` is
 * the login's time here too).
 */
async function appReady(url: string, pid: number): Promise<ReadyLine> {
  const listening = performance.now();
  const { token } = await devLogin(url, BENCH_USER);
  return { port: Number(new URL(url).port), pid, token, listeningForMs: performance.now() - listening };
}

/** `NAME=value NAME2=value2`, as in a shell command's prefix: for trying a setting, e.g. BENCH_TARGET_ENV="MALLOC_ARENA_MAX=2". */
export function envAssignments(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new Error(`not an environment assignment: ${word}`);
    env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return env;
}

async function launch(spec: TargetSpec, options: TargetOptions, dataDir: string | undefined, port: number): Promise<Child> {
  const where = placement(spec, options, dataDir, port);
  const args = [
    ...serverPinPrefix(),
    process.execPath,
    // Only used when the runner asks for stats, so that retained heap is measured without garbage.
    '--expose-gc',
    // For profiling a target, e.g. BENCH_TARGET_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
    ...(process.env.BENCH_TARGET_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
    await targetBundle(spec),
    ...where.args,
  ];
  const [command, ...rest] = args;
  const proc = spawn(command as string, rest, {
    cwd: BENCH_DIR,
    env: { ...process.env, ...where.env, ...spec.env, ...options.env, ...envAssignments(process.env.BENCH_TARGET_ENV ?? '') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(proc);
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      live.delete(proc);
      resolve();
    });
  });
  const stderrTail: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });
  const statsWaiters: Array<(stats: ServerStats) => void> = [];

  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const fail = (why: string): void => {
      proc.kill('SIGKILL');
      reject(new Error(`${spec.name} did not start: ${why}\n${stderrTail.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(`exited with ${code ?? signal}`);
    });
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const listening = spec.kind === 'app' ? APP_LISTENING.exec(line) : null;
      if (listening) {
        clearTimeout(timer);
        appReady(listening[1]!, proc.pid!).then(resolve, (error: unknown) => fail(`login failed: ${(error as Error).message}`));
      } else if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(READY_PREFIX.length)) as ReadyLine);
      } else if (line.startsWith(STATS_PREFIX)) {
        statsWaiters.shift()?.(JSON.parse(line.slice(STATS_PREFIX.length)) as ServerStats);
      }
    });
  });
  // taskset execs node, so the child's pid is the target's; the check catches a wrapper sneaking in.
  if (ready.pid !== proc.pid) {
    proc.kill('SIGKILL');
    throw new Error(`${spec.name}: target pid ${ready.pid} is not the spawned pid ${proc.pid}`);
  }
  return {
    process: proc,
    pid: ready.pid,
    port: ready.port,
    token: ready.token,
    listeningForMs: ready.listeningForMs ?? 0,
    exited,
    statsWaiters,
    stderrTail,
  };
}
