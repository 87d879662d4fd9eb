/**
 * The storage interface every backend implements (embedded LevelDB, MongoDB,
 * the in-memory reference store). It is deliberately narrow: rows are insert-only, each
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
   * Under a `fence`, the write lands only while the fence is its log's
   * latest claim, else rejects with FencedError, writing nothing ([S30]).
   */
  appendUpdates(docName: string, updates: readonly Uint8Array[], fence?: Fence): Promise<RowId[]>;

  /**
   * Compaction step 1: durably stores a snapshot that contains (at least) the
   * rows it will replace. Nothing is deleted here. Fenced like appendUpdates ([S30]).
   */
  writeSnapshot(docName: string, snapshot: Uint8Array, fence?: Fence): Promise<RowId>;

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
 * The backend cannot be reached or did not answer in time (a database server
 * down, a connection lost mid-call). Nothing may be assumed about the call:
 * a write may or may not have landed ([S5]); the caller retries later. A
 * server answers it as unavailable (`503`), never as its own failure.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * A holder's claim on a session's log ([S30]): the epoch `claimFence` gave it.
 * Writes made under it land only while no later claim was made on the log,
 * so a process that lost a session to another can no longer write what the
 * next holder already replays from the log.
 */
export interface Fence {
  readonly log: string;
  readonly epoch: number;
}

/**
 * Thrown by a write made under a fence that is no longer its log's latest
 * claim ([S30]): another holder claimed the log since. Nothing of the call
 * was written; retrying it cannot succeed.
 */
export class FencedError extends Error {
  override readonly name = 'FencedError';
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
   * caller is the sequencer ([S21]). An empty list writes nothing. Fenced
   * like appendUpdates ([S30]).
   */
  appendEvents(log: string, events: readonly StoredEvent[], fence?: Fence): Promise<void>;
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
   * sequence and this id exists; never creates one. Fenced like appendUpdates ([S30]).
   */
  replaceEvent(log: string, event: StoredEvent, fence?: Fence): Promise<void>;
  /**
   * Makes a new claim on the log and answers its epoch ([S30]): larger than
   * every epoch claimed on the log before, durably, by this or any process
   * sharing the store. From when it resolves, writes under an earlier claim
   * are refused, and every one that was not is visible to reads made after.
   */
  claimFence(log: string): Promise<number>;
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

/** What a member may do in a session: a GM runs it; a player plays in it. */
export type SessionRole = 'gm' | 'player';

/** A session as stored ([SM1]..[SM12] in docs/storage.md). The store keeps the fields as given. */
export interface StoredSession {
  readonly id: string;
  readonly name: string;
  /** The secret a user presents to join as a player. */
  readonly joinCode: string;
  /** User id of the creator, stored as the session's first GM. */
  readonly createdBy: string;
  /** Milliseconds since the epoch; also the creator's `joinedAt`. */
  readonly createdAt: number;
}

export interface StoredMember {
  readonly userId: string;
  readonly role: SessionRole;
  /** Milliseconds since the epoch. */
  readonly joinedAt: number;
  /**
   * The display name the member last joined with, when known ([SM12]); absent
   * (no key at all) otherwise, as in records written before names were kept.
   */
  readonly name?: string;
}

/**
 * Answers of the membership writes. Expected outcomes (a duplicate, a missing
 * member, the last GM) are data, so callers cannot mistake them for a broken
 * backend; invalid input and an unusable store still reject.
 */
export type CreateSessionResult = { readonly status: 'created' } | { readonly status: 'exists' };
export type AddMemberResult =
  | { readonly status: 'added'; readonly member: StoredMember }
  | { readonly status: 'exists'; readonly member: StoredMember }
  | { readonly status: 'no-session' };
export type SetRoleResult =
  | { readonly status: 'updated'; readonly member: StoredMember; readonly previous: SessionRole }
  | { readonly status: 'not-member' }
  | { readonly status: 'last-gm' };
export type RemoveMemberResult =
  | { readonly status: 'removed'; readonly member: StoredMember }
  | { readonly status: 'not-member' }
  | { readonly status: 'last-gm' };

/** One session a user belongs to, with what they are in it ([SM10]). */
export interface SessionOfUser {
  readonly session: StoredSession;
  readonly role: SessionRole;
  /** Milliseconds since the epoch, as stored for the membership. */
  readonly joinedAt: number;
}

/**
 * Sessions and their members ([SM1]..[SM12] in docs/storage.md). Session ids
 * and user ids are any well-formed Unicode strings, in a namespace separate
 * from documents and logs. Every write is durable once resolved, and the
 * writes to one session are atomic with respect to each other: the checks
 * (exists, is a member, is the last GM) and the write they guard cannot be
 * raced, so a session can never be left without a GM.
 */
export interface SessionStore {
  /**
   * Stores the session and its creator as its only member (role `gm`, joined
   * at `createdAt`, named `creatorName` when given), in one write.
   */
  createSession(session: StoredSession, creatorName?: string): Promise<CreateSessionResult>;
  getSession(id: string): Promise<StoredSession | null>;
  /**
   * Adds a member unless the user already is one (`exists`). An existing
   * member keeps their role and join time; only their name follows a `name`
   * given here that differs from the stored one ([SM12]), in the same atomic
   * step, and `exists` answers the member as stored after it.
   */
  addMember(sessionId: string, member: StoredMember): Promise<AddMemberResult>;
  /** Changes a member's role (joinedAt kept); refuses to demote the session's last GM. */
  setMemberRole(sessionId: string, userId: string, role: SessionRole): Promise<SetRoleResult>;
  /** Removes a member; refuses to remove the session's last GM. */
  removeMember(sessionId: string, userId: string): Promise<RemoveMemberResult>;
  /** Every member of the session, in no guaranteed order; `[]` for an unknown session. */
  listMembers(sessionId: string): Promise<StoredMember[]>;
  /** The user's role in the session, or null when they are not a member (or there is no such session). */
  memberRole(sessionId: string, userId: string): Promise<SessionRole | null>;
  /**
   * The sessions `userId` is a member of, newest `joinedAt` first (ties in
   * session-id order), at most `limit` (a non-negative safe integer); exact
   * after every membership write that resolved ([SM10], [SM11]).
   */
  listSessionsOf(userId: string, limit: number): Promise<SessionOfUser[]>;
}

/**
 * Server-wide secrets that must outlive a restart (the development token
 * signing key). First writer wins, so two racing starts agree on one value.
 */
export interface SecretStore {
  /** Returns the secret stored under `name`, storing `candidate` first if there is none ([SM9]). */
  claimSecret(name: string, candidate: Uint8Array): Promise<Uint8Array>;
}

/** An audit record as the caller hands it in: when it happened (ms since the epoch) and its encoded content. */
export interface AuditRecordInput {
  readonly at: number;
  readonly data: Uint8Array;
}

/** An audit record as stored, with the id the store gave it. */
export interface StoredAuditRecord {
  /** Opaque, store-assigned, unique within the log and never reused; usable as a `before` cursor. */
  readonly id: string;
  readonly at: number;
  readonly data: Uint8Array;
}

export interface AuditQuery {
  /**
   * Only records older than this: an id returned by this store for this log
   * (records after it, newest first), or a time in ms (records with `at` below it).
   */
  readonly before?: string | number;
  /** At most this many records (a non-negative safe integer). */
  readonly limit: number;
}

/**
 * A session's audit log ([AU1]..[AU8] in docs/storage.md): who did what, when,
 * with which outcome. Append-only — there is no call that changes or removes
 * a record — so a GM reading it can trust that nothing was taken out. Log
 * names are any well-formed Unicode strings, in a namespace separate from
 * event logs, documents and sessions.
 */
export interface AuditStore {
  /**
   * Appends records in one atomic, durable write (all or none) and returns
   * their ids in input order. An empty list writes nothing.
   */
  appendAudit(log: string, records: readonly AuditRecordInput[]): Promise<string[]>;
  /**
   * Records newest first: by `at` descending, records of equal `at` in
   * reverse order of appending.
   */
  readAudit(log: string, query: AuditQuery): Promise<StoredAuditRecord[]>;
}

/**
 * Short Yjs client ids the server leases to connections, per document
 * ([CI1]..[CI5] in docs/storage.md). A Yjs client id must never be used by two
 * writers of one document, so a lease is handed out once per document, ever:
 * not again after a restart, a crash or a compaction. Small ids keep every
 * update small (a client id is written up to four times per update, as a
 * varint: 1–127 is one byte, a random 32-bit id five).
 */
export interface ClientIdStore {
  /**
   * Leases the document's next client id to `owner` (a user id) and records
   * who holds it, durably: once resolved, the id is never returned again for
   * this document, by this or any later open of the store. Ids are positive
   * safe integers counting up from 1 per document; gaps are allowed (a crash
   * may skip some), reuse is not. Concurrent calls get distinct ids.
   */
  leaseClientId(docName: string, owner: string): Promise<number>;
  /** Who a leased id of the document was given to, or null if the id was never leased for it. */
  clientIdOwner(docName: string, clientId: number): Promise<string | null>;
}

/** An asset as the caller hands it in: its media type, its pixel size and its bytes ([AS2]). */
export interface AssetInput {
  /** A media type such as `image/png`; the store keeps it as given. */
  readonly type: string;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** What is stored about an asset, without its bytes. */
export interface StoredAssetInfo {
  /** Lowercase hex SHA-256 of the bytes: the asset's name, computed by the store. */
  readonly hash: string;
  readonly type: string;
  /** Length of the bytes. */
  readonly size: number;
  readonly width: number;
  readonly height: number;
}

export interface StoredAsset extends StoredAssetInfo {
  readonly data: Uint8Array;
}

/**
 * Answers of `putAsset` ([AS2], [AS3], [AS5]): `stored` when the session did
 * not have these bytes before, `exists` when it did (nothing written),
 * `over-quota` when they would take the session past its limit (nothing
 * written; `used` is what the session holds).
 */
export type PutAssetResult =
  | { readonly status: 'stored'; readonly asset: StoredAssetInfo }
  | { readonly status: 'exists'; readonly asset: StoredAssetInfo }
  | { readonly status: 'over-quota'; readonly used: number };

/**
 * Images a session's GM uploads (maps, tokens), content-addressed
 * ([AS1]..[AS8] in docs/storage.md): the bytes are kept once per SHA-256,
 * whichever sessions hold them, and each session holds its own reference, so
 * a session reads only what it put and sessions share no images through the
 * API. Nothing here assumes an asset is one value: a backend keeps large
 * ones in chunks (a document database caps a value at 16 MB). Session ids
 * are any well-formed Unicode strings, in a namespace of their own.
 */
export interface AssetStore {
  /**
   * Stores the bytes under their SHA-256 (once, whichever session brought
   * them) and references them from the session, atomically and durably: a
   * crash leaves the whole asset or nothing of it. The session's total — the
   * sizes of the distinct assets it references — may not pass
   * `maxSessionBytes`; the check and the write cannot be raced per session.
   */
  putAsset(sessionId: string, asset: AssetInput, maxSessionBytes: number): Promise<PutAssetResult>;
  /** The asset the session references under `hash`, without its bytes; null when it references none. */
  assetInfo(sessionId: string, hash: string): Promise<StoredAssetInfo | null>;
  /** The asset and its bytes, or null when the session references none under `hash`. */
  getAsset(sessionId: string, hash: string): Promise<StoredAsset | null>;
  /** Bytes the session's assets take against its quota: the sum of their sizes, 0 for none. */
  sessionAssetBytes(sessionId: string): Promise<number>;
}

/** The store a server is built on. */
export type Store = DocStore & EventLogStore & SessionStore & SecretStore & AuditStore & ClientIdStore & AssetStore;
