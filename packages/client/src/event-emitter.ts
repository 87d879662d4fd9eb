/** Listener signatures by event name. */
export type EventMap = Record<string, (payload: never) => void>;

/** A minimal typed event emitter; `on` returns the unsubscribe function. */
export class EventEmitter<Events extends EventMap> {
  readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Whether anyone listens to `event` (to skip work nobody would hear of). */
  has(event: keyof Events): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends keyof Events>(event: K, payload: Parameters<Events[K]>[0]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      // A throwing subscriber must not break the sync machinery that emitted the event.
      try {
        (listener as (payload: Parameters<Events[K]>[0]) => void)(payload);
      } catch (err) {
        console.error(`[dungeon-lab/client] '${String(event)}' listener threw`, err);
      }
    }
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
