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
import { afterEach } from 'vitest';

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

/** For a Vitest setup file: fails each test during which a watched process exited on its own. */
export function failOnUnexpectedExits(): void {
  afterEach(() => {
    const exits = unexpected.splice(0);
    if (exits.length > 0) throw new Error(`a server process died during the test:\n${exits.join('\n')}`);
  });
}
