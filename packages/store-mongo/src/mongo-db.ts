/**
 * What every part of the MongoDB store shares: the collections and the
 * indexes each query needs ([MO1], [MO6]), the write concern every write is
 * acknowledged under ([MO3]), transactions ([MO4]), and how driver errors
 * become the store's typed errors ([MO5]).
 */
import {
  Binary,
  type ClientSession,
  type Collection,
  type Db,
  type Document,
  type IndexDescription,
  type MongoClient,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
  type OptionalUnlessRequiredId,
  ReadConcern,
  type WriteConcernSettings,
} from 'mongodb';
import { type Fence, StoreUnavailableError } from '@dungeon-lab/store';
import { fenced } from '@dungeon-lab/store/input';

/**
 * Acknowledged only once a majority of the replica set has the write in its
 * on-disk journal: what "durable once resolved" means here ([MO3]). A write
 * that is not so acknowledged within the timeout rejects as unavailable (it
 * may or may not have landed, [S5]).
 */
export const DURABLE: WriteConcernSettings = { w: 'majority', journal: true, wtimeoutMS: 10_000 };

/** Reads see only majority-committed writes, which no failover can roll back. */
export const COMMITTED = new ReadConcern('majority');

/**
 * A read of many documents on one point in time: every batch of its cursor
 * reads the same snapshot (MongoDB 5.0+), so it sees each transaction whole
 * or not at all however many batches it takes ([S5], [S17]). Only
 * majority-committed writes are in it, as with COMMITTED.
 */
export const ONE_SNAPSHOT = new ReadConcern('snapshot');

/** BSON caps a document at 16 MiB; a part this size leaves room for its other fields ([MO2]). */
export const PART_BYTES = 8 * 1024 * 1024;

export interface RowDoc {
  doc: string;
  row: string;
  part: number;
  parts: number;
  kind: 'update' | 'snapshot';
  data: Binary;
}

export interface EventDoc {
  log: string;
  seq: number;
  id: string;
  data: Binary;
}

export interface LogRecordDoc {
  log: string;
  id: string;
  data: Binary;
}

export interface MemberDoc {
  userId: string;
  role: string;
  joinedAt: number;
  name?: string;
}

export interface SessionDoc {
  _id: string;
  name: string;
  joinCode: string;
  createdBy: string;
  createdAt: number;
  members: MemberDoc[];
  /** Bumped by every membership write: the condition of the next one ([MO4]). */
  version: number;
}

export interface AssetBlobDoc {
  _id: string;
  type: string;
  size: number;
  width: number;
  height: number;
  /** How many chunks hold the bytes: a read checks it found them all ([AS8]). */
  chunks: number;
}

export interface AuditDoc {
  log: string;
  at: number;
  pos: number;
  data: Binary;
}

/**
 * A log's fence ([S30]): its latest claim, and a count every fenced write
 * bumps — a write to this document inside the write's transaction, so that
 * a claim and a fenced write conflict and one of them goes first ([MO11]).
 */
export interface FenceDoc {
  _id: string;
  epoch: number;
  writes?: number;
}

/** Collections of one store; each holds one kind of record, so no two kinds can collide ([MO1]). */
export interface Collections {
  readonly rows: Collection<RowDoc>;
  readonly events: Collection<EventDoc>;
  readonly rejections: Collection<LogRecordDoc>;
  readonly checkpoints: Collection<LogRecordDoc>;
  readonly approvals: Collection<LogRecordDoc>;
  readonly fences: Collection<FenceDoc>;
  readonly sessions: Collection<SessionDoc>;
  readonly secrets: Collection<{ _id: string; data: Binary }>;
  readonly auditCounters: Collection<{ _id: string; last: number }>;
  readonly audit: Collection<AuditDoc>;
  readonly clientIdCounters: Collection<{ _id: string; last: number }>;
  readonly clientIds: Collection<{ doc: string; id: number; owner: string }>;
  readonly assetSessions: Collection<{ _id: string; version: number }>;
  readonly assetRefs: Collection<{ session: string; hash: string; size: number }>;
  readonly assetBlobs: Collection<AssetBlobDoc>;
  readonly assetChunks: Collection<{ hash: string; n: number; data: Binary }>;
}

export function collectionsOf(db: Db): Collections {
  return {
    rows: db.collection('doc_rows'),
    events: db.collection('event_log'),
    rejections: db.collection('event_rejections'),
    checkpoints: db.collection('event_checkpoints'),
    approvals: db.collection('event_approvals'),
    fences: db.collection('event_fences'),
    sessions: db.collection('sessions'),
    secrets: db.collection('secrets'),
    auditCounters: db.collection('audit_counters'),
    audit: db.collection('audit_log'),
    clientIdCounters: db.collection('client_id_counters'),
    clientIds: db.collection('client_ids'),
    assetSessions: db.collection('asset_sessions'),
    assetRefs: db.collection('asset_refs'),
    assetBlobs: db.collection('asset_blobs'),
    assetChunks: db.collection('asset_chunks'),
  };
}

const unique = (key: IndexDescription['key'], name: string): IndexDescription => ({ key, name, unique: true });

/** A collection exists already; and a server without the `create` command, which makes collections on first write. */
const NAMESPACE_EXISTS = 48;
const COMMAND_NOT_FOUND = 59;

/**
 * Every collection, made before any transaction runs: a transaction that has
 * to create one on its first write takes the catalog's locks inside it, and
 * two such transactions conflict. Creating an existing one is harmless, so
 * every process opening the database may do it ([MO6]).
 */
export async function createCollections(db: Db, c: Collections): Promise<void> {
  await Promise.all(
    Object.values(c).map(async (collection: Collection) => {
      try {
        await db.createCollection(collection.collectionName);
      } catch (err) {
        const code = err instanceof MongoServerError ? err.code : undefined;
        if (code !== NAMESPACE_EXISTS && code !== COMMAND_NOT_FOUND) throw err;
      }
    }),
  );
}

/** The indexes each query needs, unique where a rule says "never twice" ([MO6]); `_id` serves the rest. */
export async function createIndexes(c: Collections): Promise<void> {
  const logRecord = [unique({ log: 1, id: 1 }, 'log_id')];
  await Promise.all([
    // Load reads a document's rows in (row, part) order; a row id is never stored twice ([S9]).
    c.rows.createIndexes([unique({ doc: 1, row: 1, part: 1 }, 'doc_row_part')]),
    // readEvents and lastSequence range over seq; eventById and the duplicate check look up id ([S17], [S18]).
    c.events.createIndexes([unique({ log: 1, seq: 1 }, 'log_seq'), unique({ log: 1, id: 1 }, 'log_id')]),
    c.rejections.createIndexes(logRecord),
    c.checkpoints.createIndexes(logRecord),
    c.approvals.createIndexes(logRecord),
    // listSessionsOf finds a user's sessions through their memberships.
    c.sessions.createIndexes([{ key: { 'members.userId': 1 }, name: 'member_user' }]),
    // A page of the audit log is one index range, newest first; a position is handed out once.
    c.audit.createIndexes([unique({ log: 1, at: -1, pos: -1 }, 'log_at_pos')]),
    c.clientIds.createIndexes([unique({ doc: 1, id: 1 }, 'doc_id')]),
    c.assetRefs.createIndexes([unique({ session: 1, hash: 1 }, 'session_hash')]),
    c.assetChunks.createIndexes([unique({ hash: 1, n: 1 }, 'hash_n')]),
  ]);
}

/** How long a transaction may take, its retries on transient errors included, before its call fails ([MO10]). */
const TRANSACTION_RETRY_MS = 10_000;

/**
 * Runs `work` as one transaction, run again on transient errors (a write
 * conflict with another transaction, a connection lost before the commit):
 * all of its writes land, or none ([MO4]). Needs a replica set ([MO8]).
 * Not the driver's `withTransaction`, which goes on for 120 s, and with an
 * end of its own: after TRANSACTION_RETRY_MS the call rejects with its
 * outcome unknown, whatever the driver still waits for (over a silent link
 * its abort alone waits a minute) — a document's writes wait behind the
 * call, and its writer retries a failed one itself ([MO10]).
 */
export async function inTransaction<T>(client: MongoClient, work: (session: ClientSession) => Promise<T>): Promise<T> {
  const deadline = Date.now() + TRANSACTION_RETRY_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`a transaction did not end within ${TRANSACTION_RETRY_MS} ms: its outcome is unknown`)), TRANSACTION_RETRY_MS);
  });
  const attempts = (async () => {
    for (;;) {
      // A session per attempt: a failed one is aborted and ended without waiting; the server ends an abandoned transaction itself.
      const session = client.startSession();
      session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: DURABLE });
      try {
        const result = await work(session);
        await commit(session, deadline);
        void session.endSession().catch(() => {});
        return result;
      } catch (err) {
        void (session.inTransaction() ? session.abortTransaction() : Promise.resolve())
          .catch(() => {})
          .finally(() => session.endSession().catch(() => {}));
        if (!(err instanceof MongoError && err.hasErrorLabel('TransientTransactionError')) || Date.now() >= deadline) throw err;
      }
    }
  })();
  // Given up on, the attempts may still fail later: nobody waits for them then.
  attempts.catch(() => {});
  try {
    return await Promise.race([attempts, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Commits, again while the outcome is unknown and the deadline allows (a commit is idempotent); still unknown, it rejects. */
async function commit(session: ClientSession, deadline: number): Promise<void> {
  for (;;) {
    try {
      await session.commitTransaction();
      return;
    } catch (err) {
      if (!(err instanceof MongoError && err.hasErrorLabel('UnknownTransactionCommitResult')) || Date.now() >= deadline) throw err;
    }
  }
}

/**
 * Inserts `docs` whole or not at all: one insert needs no transaction, several
 * do ([MO4]); under a fence, always one, which holds the fence ([S30]).
 */
export async function insertAll<T extends Document>(
  client: MongoClient,
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
  fence?: { readonly fences: Collection<FenceDoc>; readonly fence: Fence },
): Promise<void> {
  const [first] = docs;
  if (first === undefined) return;
  if (docs.length === 1 && fence === undefined) await collection.insertOne(first);
  else
    await inTransaction(client, async (session) => {
      if (fence !== undefined) await holdFence(fence.fences, fence.fence, session);
      await collection.insertMany(docs, { session });
    });
}

/**
 * In `session`'s transaction: goes on only while `fence` is its log's latest
 * claim, else throws FencedError, and the transaction writes nothing ([S30]).
 * It writes the fence document: under snapshot isolation a check alone would
 * not conflict with a claim committed meanwhile, and the write would land
 * after the claim ([MO11]).
 */
export async function holdFence(fences: Collection<FenceDoc>, fence: Fence, session: ClientSession): Promise<void> {
  const { matchedCount } = await fences.updateOne({ _id: fence.log, epoch: fence.epoch }, { $inc: { writes: 1 } }, { session });
  if (matchedCount === 1) return;
  const found = await fences.findOne({ _id: fence.log }, { session });
  throw fenced(fence, found?.epoch ?? 0);
}

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/**
 * A driver error as the store's: the server out of reach, a connection lost,
 * an answer that never came — anything after which the outcome is unknown —
 * is StoreUnavailableError, which the server answers with 503 ([MO5]).
 * Anything else is passed on as it is.
 */
export function storeError(err: unknown): unknown {
  const unreachable =
    isSocketError(err) ||
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoWriteConcernError ||
    (err instanceof MongoError &&
      (err.hasErrorLabel('TransientTransactionError') ||
        err.hasErrorLabel('UnknownTransactionCommitResult') ||
        err.hasErrorLabel('RetryableWriteError')));
  if (!unreachable) return err;
  return new StoreUnavailableError(`mongo store: ${(err as Error).message}`, { cause: err });
}

/** Errors of the socket itself, which the driver passes on unwrapped when it writes to a connection the server ended. */
const SOCKET_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function isSocketError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && SOCKET_ERRORS.has(code);
}

/** Bytes for BSON: a copy, so that the caller mutating its buffer afterwards changes nothing stored ([S3]). */
export function binary(data: Uint8Array): Binary {
  return new Binary(Uint8Array.from(data));
}

/** Bytes read back: the caller's own copy ([S3]). */
export function bytesOf(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Binary)) throw new Error(`mongo store: ${what} is not binary data`);
  return Uint8Array.from(value.buffer.subarray(0, value.position));
}

/** A stored value the store did not write as it is: the read rejects, never skips or guesses ([S2], [LM2]). */
export function unreadable(what: string, cause?: unknown): Error {
  return new Error(`mongo store: ${what} is unreadable`, { cause });
}

/** Finds' `limit`: the driver sends it as an int32, so larger means "no limit" (0) and the range ends the read. */
export function cursorLimit(limit: number): number {
  return limit > 0x7fff_ffff ? 0 : limit;
}
