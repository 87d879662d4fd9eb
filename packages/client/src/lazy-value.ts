import type { ReadableValue } from './readable-value.ts';

export interface LazyValue<T> extends ReadableValue<T> {
  /** Marks the value stale; listeners hear of it once per burst of invalidations. */
  readonly invalidate: () => void;
}

/**
 * A value that is expensive to compute (the overlay view re-applies every
 * prediction) and changes in bursts (one socket read can carry dozens of updates
 * and acks). `get()` is always current, computed on demand. Listeners are
 * notified a microtask after the last invalidation of a burst, with the value
 * computed then, so a burst costs one computation instead of one per change.
 * A computation that returns the very same value (`Object.is`) notifies
 * nobody ([EQ23]). `compute` may answer null to keep the previous value for
 * now (the overlay holding, [EQ8]); the value stays stale and is retried on the next read or
 * invalidation. The first computation is forced.
 */
export function lazyValue<T>(compute: (force: boolean) => { value: T } | null): LazyValue<T> {
  let current: { value: T } | null = null;
  let stale = true;
  const listeners = new Set<(value: T) => void>();
  let notifyQueued = false;
  /** What listeners last heard (a get() in between must not swallow the notification). */
  let published: { value: T } | null = null;

  const notify = (): void => {
    notifyQueued = false;
    if (listeners.size === 0) return;
    const value = get();
    if (current === published) return;
    published = current;
    for (const listener of [...listeners]) listener(value);
  };

  const get = (): T => {
    if (stale || current === null) {
      const next = compute(current === null);
      if (next !== null) {
        // The same value again (nothing it shows changed) is not news: listeners are not told.
        if (current === null || !Object.is(next.value, current.value)) current = next;
        stale = false;
      }
    }
    return current!.value;
  };

  return {
    get,
    subscribe: (listener) => {
      if (listeners.size === 0) published = current;
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    invalidate: () => {
      stale = true;
      if (listeners.size === 0 || notifyQueued) return;
      notifyQueued = true;
      queueMicrotask(notify);
    },
  };
}
