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
import type { ChildProcess } from 'node:child_process';
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
