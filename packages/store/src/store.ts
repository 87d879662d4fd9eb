/**
 * The storage interface every backend implements (embedded LevelDB now; Redis
 * and MongoDB later). It is deliberately narrow: rows are insert-only, each
 * with a unique opaque id, so that compaction can be made crash-safe without
 * transactions — write the merged snapshot first, then delete exactly the rows
 * it replaced ([S4] in docs/storage.md). Replaying a row twice is harmless
 * because Yjs updates are idempotent.
 */

/**
 * Opaque, backend-assigned row id; unique within a document and never reused,
 * even after deletion or a restart, so a late deleteRows can never remove a
 * newer row ([S9]).
 */
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

/** Document names are any well-formed Unicode strings (no lone surrogates). */
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

  /** Releases the backend; calling it again is harmless ([S12]). Writes already resolved stay durable. */
  close(): Promise<void>;
}

/** One entry of a session's event log, encoded by the caller; the store only sees keys and bytes. */
export interface StoredEvent {
  /** Position in the log: 1, 2, 3, … with no gaps. */
  readonly sequence: number;
  /** The intent's UUID (idempotency key), unique within the log. */
  readonly id: string;
  readonly data: Uint8Array;
}

/** A record keyed only by id: rejections and checkpoints. */
export interface StoredRecord {
  readonly id: string;
  readonly data: Uint8Array;
}

/**
 * Thrown by appendEvents when a sequence or an id is already in the log or
 * appears twice in the batch, and by putCheckpoint when the checkpoint id is
 * taken ([S17], [S24]). Nothing of the call was written. Invalid input is
 * rejected with other errors, so callers can tell a conflict from a bug.
 */
export class DuplicateEventError extends Error {
  override readonly name = 'DuplicateEventError';
}

/**
 * A session's event log, its remembered rejections and its checkpoints
 * ([S14]..[S28] in docs/storage.md). Log names are any well-formed Unicode
 * strings, in a namespace separate from document names.
 */
export interface EventLogStore {
  /**
   * Appends entries atomically and durably (all or none; survives `kill -9`
   * once resolved). Rejects with DuplicateEventError, writing nothing, if any
   * sequence or id already exists in the log or appears twice in `events`;
   * concurrent calls cannot race past this check. Sequences must be positive
   * safe integers; the store does not check that they are gap-free — the
   * caller is the sequencer ([S21]). An empty list writes nothing.
   */
  appendEvents(log: string, events: readonly StoredEvent[]): Promise<void>;
  /**
   * Up to `limit` entries with sequence ≥ `from`, ascending (`from` ≤ 1 reads
   * from the start). Rejects unless `from` is a safe integer and `limit` a
   * non-negative safe integer.
   */
  readEvents(log: string, from: number, limit: number): Promise<StoredEvent[]>;
  /** The entry with this intent id, or null. */
  eventById(log: string, id: string): Promise<StoredEvent | null>;
  /** Highest sequence in the log, 0 when empty. */
  lastSequence(log: string): Promise<number>;
  /**
   * Rewrites an existing entry's data (status transitions); durable once
   * resolved. Rejects, writing nothing, unless an entry with exactly this
   * sequence and this id exists; never creates one.
   */
  replaceEvent(log: string, event: StoredEvent): Promise<void>;
  /**
   * Remembers a rejected intent by id so that a resend gets the original answer; durable once resolved.
   * A second put of the same id replaces the data. Rejections are not entries: they are not read,
   * counted by lastSequence or found by eventById.
   */
  putRejection(log: string, record: StoredRecord): Promise<void>;
  rejectionById(log: string, id: string): Promise<StoredRecord | null>;
  /**
   * Named snapshots of a session; never overwritten: rejects with DuplicateEventError on an existing id,
   * leaving the original intact. Durable once resolved.
   */
  putCheckpoint(log: string, record: StoredRecord): Promise<void>;
  /** Every checkpoint of the log, in no guaranteed order. */
  listCheckpoints(log: string): Promise<StoredRecord[]>;
  checkpointById(log: string, id: string): Promise<StoredRecord | null>;
  /**
   * The open approval queue: one record per critical intent waiting for the
   * GM, keyed by the intent's id ([S29]). Put overwrites; durable once
   * resolved. Delete removes exactly that id and ignores unknown ones.
   */
  putApproval(log: string, record: StoredRecord): Promise<void>;
  deleteApproval(log: string, id: string): Promise<void>;
  /** Every open approval of the log, in no guaranteed order. */
  listApprovals(log: string): Promise<StoredRecord[]>;
}

/** The store a server is built on. Later waves add sessions and membership here. */
export type Store = DocStore & EventLogStore;
