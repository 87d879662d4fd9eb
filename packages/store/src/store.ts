/**
 * The storage interface every backend implements (embedded LevelDB now; Redis
 * and MongoDB later). It is deliberately narrow: rows are insert-only, each
 * with a unique opaque id, so that compaction can be made crash-safe without
 * transactions — write the merged snapshot first, then delete exactly the rows
 * it replaced ([S4] in docs/storage.md). Replaying a row twice is harmless
 * because Yjs updates are idempotent.
 */

/** Opaque, backend-assigned row id; unique within a document. */
export type RowId = string;

/** One stored row of a document: an incremental update or a merged snapshot. */
export interface StoredRow {
  readonly id: RowId;
  readonly kind: 'update' | 'snapshot';
  readonly data: Uint8Array;
}

export interface StoredDoc {
  /** Every row of the document, snapshots and updates, in no guaranteed order. */
  readonly rows: readonly StoredRow[];
}

export interface DocStore {
  /**
   * Loads every row of a document. A document never written loads as no rows.
   * Rejects (never resolves empty) if the backend cannot be read.
   */
  loadDoc(docName: string): Promise<StoredDoc>;

  /**
   * Appends updates as one atomic, durable write: when the promise resolves,
   * all of them survive a process crash (`kill -9`); if it rejects, none of
   * them may be assumed stored. Returns the new rows' ids in input order.
   */
  appendUpdates(docName: string, updates: readonly Uint8Array[]): Promise<RowId[]>;

  /**
   * Compaction step 1: durably stores a snapshot that contains (at least) the
   * rows it will replace. Nothing is deleted here.
   */
  writeSnapshot(docName: string, snapshot: Uint8Array): Promise<RowId>;

  /**
   * Compaction step 2: deletes exactly the given rows of the document and
   * nothing else. Unknown ids are ignored, so a repeated delete is harmless.
   */
  deleteRows(docName: string, ids: readonly RowId[]): Promise<void>;

  /** Resolves when the backend is reachable and usable; used by health checks. */
  ping(): Promise<void>;

  /** Releases the backend. Writes already resolved stay durable. */
  close(): Promise<void>;
}

/** The store a server is built on. Later waves add the event log and sessions here. */
export type Store = DocStore;
