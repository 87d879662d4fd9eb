import type { CommandTimer } from '@dungeon-lab/server';

/**
 * Runs one command and tells `timer` how long it took and whether it failed.
 * Only commands that answer at once are timed: a blocking read (XREAD
 * BLOCK) waits for data, not for Redis.
 */
export function timed<T>(timer: CommandTimer | undefined, command: string, run: () => Promise<T>): Promise<T> {
  if (timer === undefined) return run();
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  return run().then(
    (reply) => {
      timer.observe(command, seconds(), true);
      return reply;
    },
    (err: unknown) => {
      timer.observe(command, seconds(), false);
      throw err;
    },
  );
}
