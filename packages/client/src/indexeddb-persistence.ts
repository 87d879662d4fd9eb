import * as idb from 'lib0/indexeddb';
import { IndexeddbPersistence, clearDocument } from 'y-indexeddb';
import type * as Y from 'yjs';
import { registerDatabase } from './indexeddb-registry.ts';
import type { DocPersistence, DocPersistenceFactory } from './persistence.ts';

/**
 * Browser persistence on y-indexeddb: one IndexedDB database per document,
 * recorded in the registry `clearLocalData` reads ([EQ24]).
 */
export class IndexedDbDocPersistence implements DocPersistence {
  readonly #inner: IndexeddbPersistence;
  readonly #name: string;
  /** What registering the database ended with: null, or the error `load()` reports. */
  readonly #registered: Promise<unknown>;

  constructor(name: string, doc: Y.Doc) {
    this.#name = name;
    this.#registered = registerDatabase(name).then(
      () => null,
      (error: unknown) => error ?? new Error('registering the database failed'),
    );
    this.#inner = new IndexeddbPersistence(name, doc);
  }

  /** Resolves once the stored document is in and its database is registered; a failed registration rejects, after the document loaded. */
  async load(): Promise<void> {
    await this.#inner.whenSynced;
    const error = await this.#registered;
    if (error !== null) throw error;
  }

  async getMeta(key: string): Promise<string | undefined> {
    const value: unknown = await this.#inner.get(key);
    return typeof value === 'string' ? value : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#inner.set(key, value);
  }

  async flush(): Promise<void> {
    // y-indexeddb fires its writes without handing back a promise. A later
    // transaction over the same store is scheduled after them, so its
    // completion means theirs did.
    const db = await this.#inner._db;
    const [updates] = idb.transact(db, ['updates'], 'readonly');
    if (updates) await idb.count(updates);
  }

  async destroy(): Promise<void> {
    await this.#inner.destroy();
  }

  async clearData(): Promise<void> {
    await this.destroy();
    // y-indexeddb's own clearData does not wait for the deletion.
    await clearDocument(this.#name);
  }
}

export function indexedDbPersistence(): DocPersistenceFactory {
  return (name, doc) => new IndexedDbDocPersistence(name, doc);
}

export function hasIndexedDb(): boolean {
  return typeof indexedDB !== 'undefined';
}
