/**
 * Server processes started by tests are watched: one that exits when its
 * test did not stop it (an uncaught exception, an unhandled rejection, a
 * crash) fails that test, even when the test's own assertions had already
 * passed. Vitest fails a run on unhandled errors in its own process; this is
 * the same for the children it cannot see into.
 *
 * A separate entry point (`@dungeon-lab/testing/process-watch`): it imports
 * vitest, which the benchmark's imports of this package must not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach } from 'vitest';

const unexpected: string[] = [];

export interface WatchedProcess {
  /** The test is about to stop the process (or expects it to exit): its exit is no failure. */
  expectExit(): void;
}

/** Records an exit of `child` that nobody asked for; `describe` says which process, for the failure message. */
export function watchProcess(child: ChildProcess, describe: () => string): WatchedProcess {
  let expected = false;
  child.once('exit', (code, signal) => {
    if (!expected) unexpected.push(`${describe()} exited on its own (code ${code}, signal ${signal})`);
  });
  return {
    expectExit() {
      expected = true;
    },
  };
}

export interface SpawnedProcess {
  readonly child: ChildProcess;
  /** Every line it printed so far: stdout's, and stderr's when captured. */
  readonly output: string[];
  /** Its exit code once it has exited (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** The first line `predicate` accepts, printed already or within `timeoutMs`; rejects once it has exited without one. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Ends it with `signal` (an exit the test asked for) and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns a watched process ([watchProcess]) whose output the test reads
 * line by line. stderr goes to the test's own (`inherit`) or into `output`
 * (`capture`).
 */
export function spawnWatched(
  command: string,
  args: readonly string[],
  { env, stderr, name }: { env: NodeJS.ProcessEnv; stderr: 'inherit' | 'capture'; name: string },
): SpawnedProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', stderr === 'capture' ? 'pipe' : 'inherit'] });
  const output: string[] = [];
  const waiters = new Set<() => void>();
  const heard = (line: string) => {
    output.push(line);
    for (const w of waiters) w();
  };
  createInterface({ input: child.stdout! }).on('line', heard);
  if (stderr === 'capture') createInterface({ input: child.stderr! }).on('line', heard);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const watched = watchProcess(child, () => `${name} (last lines: ${output.slice(-5).join(' | ')})`);
  const waitForLine = (predicate: (line: string) => boolean, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      let gone = false;
      const check = () => {
        const hit = output.find(predicate);
        if (hit !== undefined) {
          settle();
          resolve(hit);
        } else if (gone) {
          settle();
          reject(new Error(`${name} exited without printing the expected line; it printed: ${output.join(' | ')}`));
        }
      };
      const settle = () => {
        waiters.delete(check);
        clearTimeout(timer);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`${name} did not print the expected line within ${timeoutMs} ms; it printed: ${output.join(' | ')}`));
      }, timeoutMs);
      waiters.add(check);
      // Its last lines may still be on the way when it exits.
      void exited.then(() => setTimeout(() => ((gone = true), check()), 0));
      check();
    });
  return {
    child,
    output,
    exited,
    waitForLine,
    async stop(signal = 'SIGKILL') {
      watched.expectExit();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The exits nobody asked for since the last call. */
export function takeUnexpectedExits(): string[] {
  return unexpected.splice(0);
}

/** For a Vitest setup file: fails each test during which a watched process exited on its own. */
export function failOnUnexpectedExits(): void {
  afterEach(() => {
    const exits = takeUnexpectedExits();
    if (exits.length > 0) throw new Error(`a server process died during the test:\n${exits.join('\n')}`);
  });
}

const PROCESS_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'uncaughtException', 'unhandledRejection'] as const;

/**
 * For a Vitest setup file: a test that leaves more listeners on `process`
 * than it found fails. That is what a leak is (a listener added per server or
 * per test and never removed), and it is caught where it happens rather than
 * as Node's MaxListenersExceededWarning ten tests later. Many listeners at
 * once are no leak: y-websocket's WebsocketProvider adds an `exit` listener
 * per provider until it is destroyed, and a test may hold a crowd of them —
 * so Node's warning threshold is raised to `maxListeners`.
 */
export function failOnLeakedProcessListeners(maxListeners = 64): void {
  process.setMaxListeners(maxListeners);
  let before: number[] = [];
  beforeEach(() => {
    before = PROCESS_EVENTS.map((e) => process.listenerCount(e));
  });
  afterEach(() => {
    const leaked = PROCESS_EVENTS.filter((e, i) => process.listenerCount(e) > before[i]!);
    if (leaked.length > 0) {
      throw new Error(`the test left listeners on process: ${leaked.map((e) => `${e} (${process.listenerCount(e)})`).join(', ')}`);
    }
  });
}
