import type * as Y from 'yjs';

/**
 * Local storage of one document: its updates plus a little metadata (the
 * unconfirmed-changes list lives there). An implementation starts storing the
 * doc's updates as soon as it is constructed, so edits made before `load()`
 * finishes are not lost; `load()` then merges what an earlier run stored.
 */
export interface DocPersistence {
  /** Applies everything stored to the doc. Resolves once it is in. */
  load(): Promise<void>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** Resolves once everything handed over so far is stored. */
  flush(): Promise<void>;
  /** Stops storing, writes what is queued, releases resources. Stored data stays. */
  destroy(): Promise<void>;
  /** Destroys and deletes everything stored under this name. */
  clearData(): Promise<void>;
}

/** Creates the persistence of one document; `name` is stable across runs. */
export type DocPersistenceFactory = (name: string, doc: Y.Doc) => DocPersistence;

/** Transaction origin of updates applied from local storage. */
export const PERSISTENCE_ORIGIN = Symbol('dungeon-lab persistence');
