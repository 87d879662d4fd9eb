import type { ReadableValue } from '@dungeon-lab/client';
import type { Awareness } from 'y-protocols/awareness';

/** Every peer's awareness state by Yjs client id (this client's own included). */
export type AwarenessStates = ReadonlyMap<number, Readonly<Record<string, unknown>>>;

const values = new WeakMap<Awareness, ReadableValue<AwarenessStates>>();

/**
 * An awareness as a subscribable value. y-protocols mutates one Map in
 * place, which `useSyncExternalStore` cannot tell apart from no change, so
 * each change yields a new snapshot. Only `change` counts (a state that
 * really differs, or a peer joining or leaving); the periodic renewals that
 * fire `update` change nothing a UI shows. One value per awareness, shared by
 * every hook that reads it.
 */
export function awarenessValue(awareness: Awareness): ReadableValue<AwarenessStates> {
  const known = values.get(awareness);
  if (known) return known;
  let snapshot: AwarenessStates = new Map(awareness.getStates());
  const listeners = new Set<(states: AwarenessStates) => void>();
  // Listens for as long as the awareness lives (the value is keyed by it), so the snapshot is never stale.
  awareness.on('change', () => {
    snapshot = new Map(awareness.getStates());
    for (const listener of [...listeners]) listener(snapshot);
  });
  const value: ReadableValue<AwarenessStates> = {
    get: () => snapshot,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  values.set(awareness, value);
  return value;
}
