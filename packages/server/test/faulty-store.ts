import type { Fence, Store } from '@dungeon-lab/store';

export interface Faults {
  /** Delay every loadDoc by this long. */
  loadDelayMs?: number;
  /** Reject this many loadDoc calls (for `room`, or any room) before letting them through. */
  failLoads?: number;
  room?: string;
}

/** A real store with injected faults on loading, for load-before-sync tests. */
export function withFaults(store: Store, faults: Faults): Store & { loadCalls: number } {
  let failuresLeft = faults.failLoads ?? 0;
  // Every method of the real store, bound to it (its private fields need the real `this`).
  const passthrough = Object.fromEntries(
    Object.getOwnPropertyNames(Object.getPrototypeOf(store))
      .filter((name) => name !== 'constructor' && typeof (store as unknown as Record<string, unknown>)[name] === 'function')
      .map((name) => [name, ((store as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!).bind(store)]),
  ) as unknown as Store;
  const wrapped = {
    ...passthrough,
    loadCalls: 0,
    async loadDoc(name: string) {
      wrapped.loadCalls++;
      if (faults.room === undefined || faults.room === name) {
        if (faults.loadDelayMs) await new Promise((r) => setTimeout(r, faults.loadDelayMs));
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error('injected load failure');
        }
      }
      return store.loadDoc(name);
    },
  };
  return wrapped;
}

/** The store, counting the update rows appended per document (compaction snapshots are not counted). */
export function withAppendCounts(
  store: Store,
): Store & { appended(room: string): number; appendsFail: boolean; appendsWait: Promise<void> | null; claimsWait: Promise<void> | null; claimsAsked: number } {
  const counts = new Map<string, number>();
  const wrapped = withFaults(store, {});
  const counted = Object.assign(wrapped, {
    /** While true, appends reject without writing (a store out of reach). */
    appendsFail: false,
    /** While set, appends wait for it before they reach the store: writes already on their way, the store slow to take them. */
    appendsWait: null as Promise<void> | null,
    appendUpdates(room: string, updates: readonly Uint8Array[], fence?: Fence): Promise<string[]> {
      if (counted.appendsFail) return Promise.reject(new Error('injected append failure'));
      const wait = counted.appendsWait;
      if (wait !== null) return wait.then(() => store.appendUpdates(room, updates, fence));
      counts.set(room, (counts.get(room) ?? 0) + updates.length);
      return store.appendUpdates(room, updates, fence);
    },
    appended: (room: string) => counts.get(room) ?? 0,
    /** While set, claims on a log wait for it before they reach the store. */
    claimsWait: null as Promise<void> | null,
    /** Claims asked for so far, waiting or not. */
    claimsAsked: 0,
    claimFence(log: string): Promise<number> {
      counted.claimsAsked++;
      const wait = counted.claimsWait;
      return wait === null ? store.claimFence(log) : wait.then(() => store.claimFence(log));
    },
  });
  return counted;
}
