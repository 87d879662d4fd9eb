import * as Y from 'yjs';
import { PERSISTENCE_ORIGIN, type DocPersistence, type DocPersistenceFactory } from './persistence.ts';

interface MemoryRecord {
  updates: Uint8Array[];
  readonly meta: Map<string, string>;
}

/**
 * Backing store of the in-memory persistence. Share one between SessionClients
 * to simulate a reload within a process (tests, server-side bots).
 */
export class MemoryPersistenceStore {
  readonly records = new Map<string, MemoryRecord>();

  record(name: string): MemoryRecord {
    let record = this.records.get(name);
    if (!record) {
      record = { updates: [], meta: new Map() };
      this.records.set(name, record);
    }
    return record;
  }
}

// Merging keeps a long-lived record from growing one array entry per keystroke.
const MERGE_THRESHOLD = 500;

export class MemoryDocPersistence implements DocPersistence {
  readonly #store: MemoryPersistenceStore;
  readonly #name: string;
  readonly #doc: Y.Doc;
  #destroyed = false;

  constructor(store: MemoryPersistenceStore, name: string, doc: Y.Doc) {
    this.#store = store;
    this.#name = name;
    this.#doc = doc;
    doc.on('update', this.#onUpdate);
  }

  readonly #onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === PERSISTENCE_ORIGIN) return;
    const record = this.#store.record(this.#name);
    record.updates.push(update);
    if (record.updates.length >= MERGE_THRESHOLD) record.updates = [Y.mergeUpdates(record.updates)];
  };

  async load(): Promise<void> {
    const { updates } = this.#store.record(this.#name);
    if (updates.length === 0 || this.#destroyed) return;
    Y.applyUpdate(this.#doc, Y.mergeUpdates(updates), PERSISTENCE_ORIGIN);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.#store.record(this.#name).meta.get(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    if (this.#destroyed) return;
    this.#store.record(this.#name).meta.set(key, value);
  }

  async flush(): Promise<void> {}

  async destroy(): Promise<void> {
    this.#destroyed = true;
    this.#doc.off('update', this.#onUpdate);
  }

  async clearData(): Promise<void> {
    await this.destroy();
    this.#store.records.delete(this.#name);
  }
}

/** Persistence that lives as long as `store` does (a fresh one by default). */
export function memoryPersistence(store: MemoryPersistenceStore = new MemoryPersistenceStore()): DocPersistenceFactory {
  return (name, doc) => new MemoryDocPersistence(store, name, doc);
}
