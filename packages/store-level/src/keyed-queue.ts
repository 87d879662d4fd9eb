/**
 * Runs tasks one at a time per key, in call order. The event log uses one key
 * per log so that a check-then-write (duplicate check then batch, existence
 * check then put) sees no other write to the same log in between ([L6]);
 * different logs do not wait for each other.
 */
export interface KeyedQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Keys with a task queued or running; a settled key is forgotten, so the map cannot grow without bound. */
  readonly busyKeys: number;
}

export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<void>>();
  const settle = (): void => undefined;
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const result = (tails.get(key) ?? Promise.resolve()).then(task);
      // The tail never rejects, so one failed task does not fail the ones queued behind it.
      const tail = result.then(settle, settle);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    get busyKeys(): number {
      return tails.size;
    },
  };
}
