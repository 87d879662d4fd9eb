/**
 * The embedded backend: one LevelDB directory holds every document's rows and
 * every session's event log, sessions, members, secrets, audit logs,
 * client-id leases and assets. Layout and guarantees are in docs/storage.md
 * ([L1]..[L8], [LM1]..[LM3], [LA1], [LC1], [LAS1]).
 */
import type {
  AddMemberResult,
  AssetInput,
  PutAssetResult,
  StoredAsset,
  StoredAssetInfo,
  AuditQuery,
  AuditRecordInput,
  StoredAuditRecord,
  CreateSessionResult,
  Fence,
  RemoveMemberResult,
  RowId,
  SessionOfUser,
  SessionRole,
  SetRoleResult,
  Store,
  StoredDoc,
  StoredEvent,
  StoredMember,
  StoredRecord,
  StoredRow,
  StoredSession,
} from '@dungeon-lab/store';
import { checkFence } from '@dungeon-lab/store/input';
import { ClassicLevel } from 'classic-level';
import { docPrefix, docRange, EPOCH_KEY, rowIdOfKey, rowKey } from './key-layout.ts';
import { LevelAssets } from './level-assets.ts';
import { LevelAudit } from './level-audit.ts';
import { LevelClientIds } from './level-client-ids.ts';
import { LevelEventLog } from './level-event-log.ts';
import { LevelFences } from './level-fences.ts';
import { ensureUserIndex, LevelSessions } from './level-sessions.ts';
import { createRowIdGenerator } from './row-id.ts';
import { decodeRowValue, encodeRowValue } from './row-value.ts';
import { GroupCommit } from './group-commit.ts';

export interface LevelStoreOptions {
  /** Directory of the LevelDB database; created if missing. One store per directory at a time. */
  readonly dataDir: string;
  /**
   * fsync every write before its promise resolves (default true). Without it,
   * acknowledged writes still survive a process crash but not an OS crash or
   * power loss.
   */
  readonly sync?: boolean;
  /**
   * LevelDB's open-files limit; its table cache holds this many tables less
   * ten. Each cached table is mapped into the process, and every page read
   * from it stays resident until the table leaves the cache (or the last
   * read or compaction using it ends), so this bounds the store's
   * file-backed memory (default `DEFAULT_MAX_OPEN_FILES`).
   */
  readonly maxOpenFiles?: number;
}

/** Another store (in this or another process) holds the data directory's LevelDB lock. */
export class DataDirLockedError extends Error {
  readonly dataDir: string;

  constructor(dataDir: string, options: { cause: unknown }) {
    super(`level store: ${dataDir} is already open by another store or process (LevelDB lock held)`, options);
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
  }
}

type Db = ClassicLevel<Uint8Array, Uint8Array>;

/** The embedded store: a `Store`, and what LevelDB says of its own memory. */
export interface EmbeddedStore extends Store {
  /**
   * LevelDB's estimate of the native memory it holds (`leveldb.approximate-memory-usage`):
   * its block cache (8 MB at most) and its memtables. Not the tables it maps ([L10]).
   */
  leveldbMemoryBytes(): number;
}

/**
 * LevelDB's own default is 1000, which lets reads keep up to 990 tables of
 * about 2 MB mapped: file-backed memory that grows with the store towards
 * 2 GB. 100 keeps 90; a table read again after leaving the cache costs a
 * reopen, tens of microseconds ([L10] in docs/storage.md; docs/benchmarks.md,
 * "The store's table cache"). LevelDB raises anything below 74 to 74.
 */
export const DEFAULT_MAX_OPEN_FILES = 100;

export async function createLevelStore(options: LevelStoreOptions): Promise<EmbeddedStore> {
  const { dataDir } = options;
  const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(dataDir, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    maxOpenFiles: options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES,
  });
  try {
    await db.open();
  } catch (err) {
    throw openError(dataDir, err);
  }
  try {
    const epoch = await claimEpoch(db);
    await ensureUserIndex(db);
    return new LevelStore(db, dataDir, epoch, options.sync ?? true);
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Increments the open counter that makes row ids unique across restarts ([S9]). */
async function claimEpoch(db: Db): Promise<number> {
  const stored = await db.get(EPOCH_KEY);
  const previous = stored ? new DataView(stored.buffer, stored.byteOffset, stored.byteLength).getUint32(0) : 0;
  const epoch = previous + 1;
  const value = new Uint8Array(4);
  new DataView(value.buffer).setUint32(0, epoch);
  // Always synced: an id must never be handed out under an epoch that could be lost.
  await db.put(EPOCH_KEY, value, { sync: true });
  return epoch;
}

function openError(dataDir: string, err: unknown): Error {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  if (cause?.code === 'LEVEL_LOCKED') return new DataDirLockedError(dataDir, { cause: err });
  const detail = cause instanceof Error ? cause.message : String(err);
  return new Error(`level store: cannot open ${dataDir}: ${detail}`, { cause: err });
}

class LevelStore implements EmbeddedStore {
  readonly #db: Db;
  readonly #dataDir: string;
  readonly #nextId: () => RowId;
  readonly #writes: GroupCommit;
  readonly #fences: LevelFences;
  readonly #events: LevelEventLog;
  readonly #sessions: LevelSessions;
  readonly #audit: LevelAudit;
  readonly #clientIds: LevelClientIds;
  readonly #assets: LevelAssets;
  #closing: Promise<void> | undefined;

  constructor(db: Db, dataDir: string, epoch: number, sync: boolean) {
    this.#db = db;
    this.#dataDir = dataDir;
    this.#nextId = createRowIdGenerator(epoch);
    this.#writes = new GroupCommit(db, { sync });
    this.#fences = new LevelFences(db, this.#writes);
    this.#events = new LevelEventLog(db, this.#writes, this.#fences, () => this.#assertOpen());
    this.#sessions = new LevelSessions(db, this.#writes, () => this.#assertOpen());
    this.#audit = new LevelAudit(db, this.#writes, () => this.#assertOpen(), epoch);
    this.#clientIds = new LevelClientIds(db, this.#writes, () => this.#assertOpen());
    this.#assets = new LevelAssets(db, this.#writes, () => this.#assertOpen());
  }

  leveldbMemoryBytes(): number {
    this.#assertOpen();
    return Number(this.#db.getProperty('leveldb.approximate-memory-usage'));
  }

  async loadDoc(docName: string): Promise<StoredDoc> {
    this.#assertOpen();
    const prefix = docPrefix(docName);
    // The iterator reads one LevelDB snapshot, so a concurrent batch is seen whole or not at all ([S5]).
    const entries = await this.#db.iterator(docRange(prefix)).all();
    const rows = entries.map(([key, value]): StoredRow => {
      const id = rowIdOfKey(prefix, key);
      try {
        return { id, ...decodeRowValue(value) };
      } catch (err) {
        throw new Error(`level store: row ${id} of document ${JSON.stringify(docName)} is unreadable`, {
          cause: err,
        });
      }
    });
    return { rows };
  }

  async appendUpdates(docName: string, updates: readonly Uint8Array[], fenceInput?: Fence): Promise<RowId[]> {
    this.#assertOpen();
    const prefix = docPrefix(docName);
    // Encode everything before writing anything, so invalid input leaves no rows ([S5]).
    const values = updates.map((update) => encodeRowValue('update', update));
    const fence = checkFence(fenceInput);
    if (values.length === 0) return [];
    await this.#fences.ready(fence);
    const ids = values.map(() => this.#nextId());
    await this.#fences.write(fence, values.map((value, i) => ({ type: 'put' as const, key: rowKey(prefix, ids[i] as RowId), value })));
    return ids;
  }

  async writeSnapshot(docName: string, snapshot: Uint8Array, fenceInput?: Fence): Promise<RowId> {
    this.#assertOpen();
    const prefix = docPrefix(docName);
    const value = encodeRowValue('snapshot', snapshot);
    const fence = checkFence(fenceInput);
    await this.#fences.ready(fence);
    const id = this.#nextId();
    await this.#fences.write(fence, [{ type: 'put', key: rowKey(prefix, id), value }]);
    return id;
  }

  async deleteRows(docName: string, ids: readonly RowId[]): Promise<void> {
    this.#assertOpen();
    const prefix = docPrefix(docName);
    const keys = ids.map((id) => rowKey(prefix, id));
    if (keys.length === 0) return;
    // Deleting a key that does not exist is a no-op in LevelDB, which is what makes repeats harmless.
    await this.#writes.write(keys.map((key) => ({ type: 'del' as const, key })));
  }

  appendEvents(log: string, events: readonly StoredEvent[], fence?: Fence): Promise<void> {
    return this.#events.appendEvents(log, events, fence);
  }

  readEvents(log: string, from: number, limit: number): Promise<StoredEvent[]> {
    return this.#events.readEvents(log, from, limit);
  }

  eventById(log: string, id: string): Promise<StoredEvent | null> {
    return this.#events.eventById(log, id);
  }

  lastSequence(log: string): Promise<number> {
    return this.#events.lastSequence(log);
  }

  replaceEvent(log: string, event: StoredEvent, fence?: Fence): Promise<void> {
    return this.#events.replaceEvent(log, event, fence);
  }

  claimFence(log: string): Promise<number> {
    return this.#events.claimFence(log);
  }

  putRejection(log: string, record: StoredRecord): Promise<void> {
    return this.#events.putRejection(log, record);
  }

  rejectionById(log: string, id: string): Promise<StoredRecord | null> {
    return this.#events.rejectionById(log, id);
  }

  putCheckpoint(log: string, record: StoredRecord): Promise<void> {
    return this.#events.putCheckpoint(log, record);
  }

  listCheckpoints(log: string): Promise<StoredRecord[]> {
    return this.#events.listCheckpoints(log);
  }

  checkpointById(log: string, id: string): Promise<StoredRecord | null> {
    return this.#events.checkpointById(log, id);
  }

  putApproval(log: string, record: StoredRecord): Promise<void> {
    return this.#events.putApproval(log, record);
  }

  deleteApproval(log: string, id: string): Promise<void> {
    return this.#events.deleteApproval(log, id);
  }

  listApprovals(log: string): Promise<StoredRecord[]> {
    return this.#events.listApprovals(log);
  }

  createSession(session: StoredSession, creatorName?: string): Promise<CreateSessionResult> {
    return this.#sessions.createSession(session, creatorName);
  }

  getSession(id: string): Promise<StoredSession | null> {
    return this.#sessions.getSession(id);
  }

  addMember(sessionId: string, member: StoredMember): Promise<AddMemberResult> {
    return this.#sessions.addMember(sessionId, member);
  }

  setMemberRole(sessionId: string, userId: string, role: SessionRole): Promise<SetRoleResult> {
    return this.#sessions.setMemberRole(sessionId, userId, role);
  }

  removeMember(sessionId: string, userId: string): Promise<RemoveMemberResult> {
    return this.#sessions.removeMember(sessionId, userId);
  }

  listMembers(sessionId: string): Promise<StoredMember[]> {
    return this.#sessions.listMembers(sessionId);
  }

  listSessionsOf(userId: string, limit: number): Promise<SessionOfUser[]> {
    return this.#sessions.listSessionsOf(userId, limit);
  }

  memberRole(sessionId: string, userId: string): Promise<SessionRole | null> {
    return this.#sessions.memberRole(sessionId, userId);
  }

  claimSecret(name: string, candidate: Uint8Array): Promise<Uint8Array> {
    return this.#sessions.claimSecret(name, candidate);
  }

  appendAudit(log: string, records: readonly AuditRecordInput[]): Promise<string[]> {
    return this.#audit.appendAudit(log, records);
  }

  readAudit(log: string, query: AuditQuery): Promise<StoredAuditRecord[]> {
    return this.#audit.readAudit(log, query);
  }

  leaseClientId(docName: string, owner: string): Promise<number> {
    return this.#clientIds.leaseClientId(docName, owner);
  }

  clientIdOwner(docName: string, clientId: number): Promise<string | null> {
    return this.#clientIds.clientIdOwner(docName, clientId);
  }

  putAsset(sessionId: string, asset: AssetInput, maxSessionBytes: number): Promise<PutAssetResult> {
    return this.#assets.putAsset(sessionId, asset, maxSessionBytes);
  }

  assetInfo(sessionId: string, hash: string): Promise<StoredAssetInfo | null> {
    return this.#assets.assetInfo(sessionId, hash);
  }

  getAsset(sessionId: string, hash: string): Promise<StoredAsset | null> {
    return this.#assets.getAsset(sessionId, hash);
  }

  sessionAssetBytes(sessionId: string): Promise<number> {
    return this.#assets.sessionAssetBytes(sessionId);
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#db.get(EPOCH_KEY);
  }

  close(): Promise<void> {
    // Writes already asked for are finished first; classic-level lets started operations finish too.
    this.#closing ??= this.#writes.settled().then(() => this.#db.close());
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined || this.#db.status !== 'open') {
      throw new Error(`level store: ${this.#dataDir} is closed`);
    }
  }
}
