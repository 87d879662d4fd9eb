import type { Store } from '@dungeon-lab/store';

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
  const wrapped = {
    ...store,
    loadCalls: 0,
    appendUpdates: store.appendUpdates.bind(store),
    writeSnapshot: store.writeSnapshot.bind(store),
    deleteRows: store.deleteRows.bind(store),
    ping: store.ping.bind(store),
    close: store.close.bind(store),
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
