/**
 * A value that changes over time, shaped for React's `useSyncExternalStore`:
 * `subscribe` and `get` are bound, so they can be passed around unattached.
 */
export interface ReadableValue<T> {
  readonly get: () => T;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  readonly subscribe: (listener: (value: T) => void) => () => void;
}

export interface WritableValue<T> extends ReadableValue<T> {
  /** Stores `value` and notifies listeners, unless it equals the current value. */
  readonly set: (value: T) => void;
}

export function createValue<T>(initial: T, equals: (a: T, b: T) => boolean = Object.is): WritableValue<T> {
  let current = initial;
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => current,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    set: (value) => {
      if (equals(current, value)) return;
      current = value;
      // Copy first: a listener may unsubscribe (itself or others) while we iterate.
      for (const listener of [...listeners]) listener(value);
    },
  };
}

/** A read-only value derived from others, recomputed whenever any of them changes. */
export function derivedValue<T>(sources: readonly ReadableValue<unknown>[], compute: () => T): ReadableValue<T> & { dispose(): void } {
  const value = createValue(compute());
  const unsubscribes = sources.map((source) => source.subscribe(() => value.set(compute())));
  return {
    get: value.get,
    subscribe: value.subscribe,
    dispose: () => unsubscribes.forEach((unsubscribe) => unsubscribe()),
  };
}
