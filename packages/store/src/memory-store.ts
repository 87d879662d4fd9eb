/**
 * The reference store: every interface of `Store` kept in plain maps, in
 * memory, with nothing but the rules of docs/storage.md. Every call does its
 * checks and its writes without awaiting in between, so each call is atomic
 * and no two calls interleave — the property the other backends reach with
 * queues, transactions or conditional updates. It is what they are compared
 * to, and a store for tests that need no disk; it keeps nothing past the
 * process.
 */
import { createHash } from 'node:crypto';
import {
  auditCursor,
  auditIdOf,
  checkAssetInput,
  checkAuditQuery,
  checkAuditRecord,
  checkBytes,
  checkEventBatch,
  checkEventRange,
  checkEvent,
  checkFence,
  checkLimit,
  checkMember,
  checkName,
  checkQuota,
  checkRecord,
  checkSession,
  checkUpdates,
  creatorOf,
  fenced,
  isAssetHash,
  isRole,
  leasableClientId,
  newestJoinedFirst,
} from './input.ts';
import {
  type AddMemberResult,
  type AssetInput,
  type AuditQuery,
  type AuditRecordInput,
  type CreateSessionResult,
  type Fence,
  DuplicateEventError,
  type PutAssetResult,
  type RemoveMemberResult,
  type RowId,
  type SessionOfUser,
  type SessionRole,
  type SetRoleResult,
  type Store,
  type StoredAsset,
  type StoredAssetInfo,
  type StoredAuditRecord,
  type StoredDoc,
  type StoredEvent,
  type StoredMember,
  type StoredRecord,
  type StoredRow,
  type StoredSession,
} from './store.ts';

interface MemoryLog {
  readonly entries: Map<number, StoredEvent>;
  readonly sequenceOfId: Map<string, number>;
  readonly rejections: Map<string, Uint8Array>;
  readonly checkpoints: Map<string, Uint8Array>;
  readonly approvals: Map<string, Uint8Array>;
}

interface AuditEntry {
  readonly id: string;
  readonly at: number;
  /** Append order across the whole store, so a later append of the same `at` reads newer ([AU3], [AU5]). */
  readonly position: number;
  readonly data: Uint8Array;
}

/**
 * What a memory store holds. Stores opened on one `MemoryData` share it, so
 * closing one and opening another on it is a restart ([S6]).
 */
export class MemoryData {
  readonly docs = new Map<string, Map<RowId, { kind: StoredRow['kind']; data: Uint8Array }>>();
  /** Row ids count up for the life of the data, so none is ever handed out twice ([S9]). */
  lastRow = 0;
  readonly logs = new Map<string, MemoryLog>();
  /** Each log's latest claim ([S30]). */
  readonly fences = new Map<string, number>();
  readonly sessions = new Map<string, { session: StoredSession; members: Map<string, StoredMember> }>();
  readonly secrets = new Map<string, Uint8Array>();
  readonly audit = new Map<string, AuditEntry[]>();
  lastAuditPosition = 0;
  readonly clientIds = new Map<string, { last: number; owners: Map<number, string> }>();
  readonly assets = new Map<string, { record: Omit<StoredAssetInfo, 'hash'>; data: Uint8Array }>();
  /** Per session: the hashes it references and their sizes. */
  readonly assetReferences = new Map<string, Map<string, number>>();
}

export interface MemoryStoreOptions {
  /** Where the store keeps what it is given; a fresh `MemoryData` when absent. */
  readonly data?: MemoryData;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  return new MemoryStore(options.data ?? new MemoryData());
}

class MemoryStore implements Store {
  readonly #data: MemoryData;
  #closed = false;

  constructor(data: MemoryData) {
    this.#data = data;
  }

  async loadDoc(docName: string): Promise<StoredDoc> {
    const rows = this.#open().docs.get(checkName(docName, 'document name'));
    return { rows: [...(rows ?? [])].map(([id, row]) => ({ id, kind: row.kind, data: new Uint8Array(row.data) })) };
  }

  async appendUpdates(docName: string, updates: readonly Uint8Array[], fence?: Fence): Promise<RowId[]> {
    const data = this.#open();
    const name = checkName(docName, 'document name');
    const checked = checkUpdates(updates);
    this.#checkFence(fence);
    return checked.map((update) => this.#insertRow(data, name, 'update', update));
  }

  async writeSnapshot(docName: string, snapshot: Uint8Array, fence?: Fence): Promise<RowId> {
    const data = this.#open();
    const name = checkName(docName, 'document name');
    const checked = checkBytes(snapshot, 'snapshot');
    this.#checkFence(fence);
    return this.#insertRow(data, name, 'snapshot', checked);
  }

  async deleteRows(docName: string, ids: readonly RowId[]): Promise<void> {
    const rows = this.#open().docs.get(checkName(docName, 'document name'));
    for (const id of ids) rows?.delete(id);
  }

  async appendEvents(log: string, events: readonly StoredEvent[], fence?: Fence): Promise<void> {
    this.#open();
    const name = checkName(log, 'log name');
    const checked = checkEventBatch(events, (detail) => duplicate(name, detail));
    this.#checkFence(fence);
    const stored = this.#log(name);
    for (const { sequence, id } of checked) {
      if (stored.entries.has(sequence)) throw duplicate(name, `sequence ${sequence} is already in the log`);
      if (stored.sequenceOfId.has(id)) throw duplicate(name, `id ${JSON.stringify(id)} is already in the log`);
    }
    for (const { sequence, id, data } of checked) {
      stored.entries.set(sequence, { sequence, id, data: new Uint8Array(data) });
      stored.sequenceOfId.set(id, sequence);
    }
  }

  async readEvents(log: string, from: number, limit: number): Promise<StoredEvent[]> {
    this.#open();
    const name = checkName(log, 'log name');
    checkEventRange(from, limit);
    const entries = [...(this.#data.logs.get(name)?.entries.values() ?? [])]
      .filter((e) => e.sequence >= from)
      .sort((a, b) => a.sequence - b.sequence)
      .slice(0, limit);
    return entries.map(copyEvent);
  }

  async eventById(log: string, id: string): Promise<StoredEvent | null> {
    this.#open();
    const stored = this.#data.logs.get(checkName(log, 'log name'));
    const sequence = stored?.sequenceOfId.get(id);
    const entry = sequence === undefined ? undefined : stored?.entries.get(sequence);
    return entry === undefined ? null : copyEvent(entry);
  }

  async lastSequence(log: string): Promise<number> {
    this.#open();
    let last = 0;
    for (const sequence of this.#data.logs.get(checkName(log, 'log name'))?.entries.keys() ?? []) last = Math.max(last, sequence);
    return last;
  }

  async replaceEvent(log: string, event: StoredEvent, fence?: Fence): Promise<void> {
    this.#open();
    const name = checkName(log, 'log name');
    const { sequence, id, data } = checkEvent(event);
    this.#checkFence(fence);
    const stored = this.#data.logs.get(name)?.entries.get(sequence);
    if (stored === undefined || stored.id !== id) {
      throw new Error(`memory store: log ${JSON.stringify(name)} has no entry ${sequence} with id ${JSON.stringify(id)}`);
    }
    this.#log(name).entries.set(sequence, { sequence, id, data: new Uint8Array(data) });
  }

  async claimFence(log: string): Promise<number> {
    const { fences } = this.#open();
    const name = checkName(log, 'log name');
    const epoch = (fences.get(name) ?? 0) + 1;
    fences.set(name, epoch);
    return epoch;
  }

  /** Refuses a write under a fence that is not its log's latest claim ([S30]); no await before the write follows. */
  #checkFence(input: Fence | undefined): void {
    const fence = checkFence(input);
    if (fence === undefined) return;
    const latest = this.#data.fences.get(fence.log) ?? 0;
    if (latest !== fence.epoch) throw fenced(fence, latest);
  }

  async putRejection(log: string, record: StoredRecord): Promise<void> {
    this.#putRecord(log, 'rejections', record, 'rejection');
  }

  async rejectionById(log: string, id: string): Promise<StoredRecord | null> {
    return this.#recordById(log, 'rejections', id);
  }

  async putCheckpoint(log: string, record: StoredRecord): Promise<void> {
    this.#putRecord(log, 'checkpoints', record, 'checkpoint');
  }

  async listCheckpoints(log: string): Promise<StoredRecord[]> {
    return this.#listRecords(log, 'checkpoints');
  }

  async checkpointById(log: string, id: string): Promise<StoredRecord | null> {
    return this.#recordById(log, 'checkpoints', id);
  }

  async putApproval(log: string, record: StoredRecord): Promise<void> {
    this.#putRecord(log, 'approvals', record, 'approval');
  }

  async deleteApproval(log: string, id: string): Promise<void> {
    this.#open();
    this.#data.logs.get(checkName(log, 'log name'))?.approvals.delete(id);
  }

  async listApprovals(log: string): Promise<StoredRecord[]> {
    return this.#listRecords(log, 'approvals');
  }

  async createSession(input: StoredSession, creatorName?: string): Promise<CreateSessionResult> {
    const data = this.#open();
    const session = checkSession(input);
    checkName(session.id, 'session id');
    const creator = creatorOf(session, creatorName);
    if (data.sessions.has(session.id)) return { status: 'exists' };
    data.sessions.set(session.id, { session, members: new Map([[creator.userId, creator]]) });
    return { status: 'created' };
  }

  async getSession(id: string): Promise<StoredSession | null> {
    const stored = this.#open().sessions.get(checkName(id, 'session id'));
    return stored === undefined ? null : { ...stored.session };
  }

  async addMember(sessionId: string, input: StoredMember): Promise<AddMemberResult> {
    const stored = this.#open().sessions.get(checkName(sessionId, 'session id'));
    const member = checkMember(input);
    if (stored === undefined) return { status: 'no-session' };
    const existing = stored.members.get(member.userId);
    if (existing === undefined) {
      stored.members.set(member.userId, member);
      return { status: 'added', member: { ...member } };
    }
    // Joining again renames, and changes nothing else ([SM12]).
    const kept = member.name === undefined ? existing : { ...existing, name: member.name };
    stored.members.set(member.userId, kept);
    return { status: 'exists', member: { ...kept } };
  }

  async setMemberRole(sessionId: string, userId: string, role: SessionRole): Promise<SetRoleResult> {
    const stored = this.#open().sessions.get(checkName(sessionId, 'session id'));
    if (!isRole(role)) throw new TypeError(`role ${JSON.stringify(role)} is not "gm" or "player"`);
    const existing = stored?.members.get(userId);
    if (stored === undefined || existing === undefined) return { status: 'not-member' };
    if (existing.role === 'gm' && role !== 'gm' && lastGm(stored.members)) return { status: 'last-gm' };
    const member = { ...existing, role };
    stored.members.set(userId, member);
    return { status: 'updated', member: { ...member }, previous: existing.role };
  }

  async removeMember(sessionId: string, userId: string): Promise<RemoveMemberResult> {
    const stored = this.#open().sessions.get(checkName(sessionId, 'session id'));
    const existing = stored?.members.get(userId);
    if (stored === undefined || existing === undefined) return { status: 'not-member' };
    if (existing.role === 'gm' && lastGm(stored.members)) return { status: 'last-gm' };
    stored.members.delete(userId);
    return { status: 'removed', member: { ...existing } };
  }

  async listMembers(sessionId: string): Promise<StoredMember[]> {
    const stored = this.#open().sessions.get(checkName(sessionId, 'session id'));
    return [...(stored?.members.values() ?? [])].map((m) => ({ ...m }));
  }

  async memberRole(sessionId: string, userId: string): Promise<SessionRole | null> {
    return this.#open().sessions.get(checkName(sessionId, 'session id'))?.members.get(userId)?.role ?? null;
  }

  async listSessionsOf(userId: string, limit: number): Promise<SessionOfUser[]> {
    const data = this.#open();
    checkLimit(limit);
    const found: SessionOfUser[] = [];
    for (const { session, members } of data.sessions.values()) {
      const member = members.get(userId);
      if (member !== undefined) found.push({ session: { ...session }, role: member.role, joinedAt: member.joinedAt });
    }
    return found.sort(newestJoinedFirst).slice(0, limit);
  }

  async claimSecret(name: string, candidate: Uint8Array): Promise<Uint8Array> {
    const secrets = this.#open().secrets;
    const key = checkName(name, 'secret name');
    checkBytes(candidate, `secret ${JSON.stringify(key)}`);
    if (!secrets.has(key)) secrets.set(key, new Uint8Array(candidate));
    return new Uint8Array(secrets.get(key) as Uint8Array);
  }

  async appendAudit(log: string, records: readonly AuditRecordInput[]): Promise<string[]> {
    const data = this.#open();
    const name = checkName(log, 'audit log name');
    const checked = records.map(checkAuditRecord);
    const entries = data.audit.get(name) ?? [];
    data.audit.set(name, entries);
    return checked.map(({ at, data: bytes }) => {
      const position = ++data.lastAuditPosition;
      const id = auditIdOf({ at, position });
      entries.push({ id, at, position, data: bytes });
      return id;
    });
  }

  async readAudit(log: string, query: AuditQuery): Promise<StoredAuditRecord[]> {
    const data = this.#open();
    const name = checkName(log, 'audit log name');
    const { limit, before } = checkAuditQuery(query);
    const below = auditCursor(before);
    return (data.audit.get(name) ?? [])
      .filter((e) => below === undefined || e.at < below.at || (e.at === below.at && e.position < below.position))
      .sort((a, b) => b.at - a.at || b.position - a.position)
      .slice(0, limit)
      .map((e) => ({ id: e.id, at: e.at, data: new Uint8Array(e.data) }));
  }

  async leaseClientId(docName: string, owner: string): Promise<number> {
    const data = this.#open();
    const name = checkName(docName, 'document name');
    const checkedOwner = checkName(owner, 'client id owner');
    const leases = data.clientIds.get(name) ?? { last: 0, owners: new Map<number, string>() };
    data.clientIds.set(name, leases);
    leases.last += 1;
    leases.owners.set(leases.last, checkedOwner);
    return leases.last;
  }

  async clientIdOwner(docName: string, clientId: number): Promise<string | null> {
    const data = this.#open();
    const name = checkName(docName, 'document name');
    const id = leasableClientId(clientId);
    return id === null ? null : (data.clientIds.get(name)?.owners.get(id) ?? null);
  }

  async putAsset(sessionId: string, input: AssetInput, maxSessionBytes: number): Promise<PutAssetResult> {
    const data = this.#open();
    const session = checkName(sessionId, 'session id');
    const asset = checkAssetInput(input);
    const quota = checkQuota(maxSessionBytes);
    const hash = createHash('sha256').update(asset.data).digest('hex');
    const references = data.assetReferences.get(session) ?? new Map<string, number>();
    const stored = data.assets.get(hash);
    if (references.has(hash) && stored !== undefined) return { status: 'exists', asset: { hash, ...stored.record } };
    const used = sum(references.values());
    const size = asset.data.byteLength;
    if (used + size > quota) return { status: 'over-quota', used };
    // The bytes are kept once, with what the first put of them said ([AS3]).
    const kept = stored ?? { record: { type: asset.type, size, width: asset.width, height: asset.height }, data: new Uint8Array(asset.data) };
    data.assets.set(hash, kept);
    references.set(hash, size);
    data.assetReferences.set(session, references);
    return { status: 'stored', asset: { hash, ...kept.record } };
  }

  async assetInfo(sessionId: string, hash: string): Promise<StoredAssetInfo | null> {
    const found = this.#referenced(sessionId, hash);
    return found === null ? null : { hash, ...found.record };
  }

  async getAsset(sessionId: string, hash: string): Promise<StoredAsset | null> {
    const found = this.#referenced(sessionId, hash);
    return found === null ? null : { hash, ...found.record, data: new Uint8Array(found.data) };
  }

  async sessionAssetBytes(sessionId: string): Promise<number> {
    return sum(this.#open().assetReferences.get(checkName(sessionId, 'session id'))?.values() ?? []);
  }

  async ping(): Promise<void> {
    this.#open();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** The data, or a rejection once closed ([S12], [S27], [SM8], [AU8], [CI5], [AS7]). */
  #open(): MemoryData {
    if (this.#closed) throw new Error('memory store: closed');
    return this.#data;
  }

  #insertRow(data: MemoryData, docName: string, kind: StoredRow['kind'], bytes: Uint8Array): RowId {
    const id = `row-${++data.lastRow}`;
    const rows = data.docs.get(docName) ?? new Map();
    data.docs.set(docName, rows);
    rows.set(id, { kind, data: new Uint8Array(bytes) });
    return id;
  }

  #log(name: string): MemoryLog {
    let log = this.#data.logs.get(name);
    if (log === undefined) {
      log = { entries: new Map(), sequenceOfId: new Map(), rejections: new Map(), checkpoints: new Map(), approvals: new Map() };
      this.#data.logs.set(name, log);
    }
    return log;
  }

  /** Rejections and approvals are replaced by a second put of their id; a checkpoint never is ([S23], [S24], [S29]). */
  #putRecord(log: string, kind: 'rejections' | 'checkpoints' | 'approvals', record: StoredRecord, what: string): void {
    this.#open();
    const name = checkName(log, 'log name');
    const { id, data } = checkRecord(record, what);
    const records = this.#log(name)[kind];
    if (kind === 'checkpoints' && records.has(id)) throw duplicate(name, `checkpoint ${JSON.stringify(id)} already exists`);
    records.set(id, data);
  }

  #recordById(log: string, kind: 'rejections' | 'checkpoints', id: string): StoredRecord | null {
    const data = this.#open().logs.get(checkName(log, 'log name'))?.[kind].get(id);
    return data === undefined ? null : { id, data: new Uint8Array(data) };
  }

  #listRecords(log: string, kind: 'checkpoints' | 'approvals'): StoredRecord[] {
    const records = this.#open().logs.get(checkName(log, 'log name'))?.[kind] ?? new Map<string, Uint8Array>();
    return [...records].map(([id, data]) => ({ id, data: new Uint8Array(data) }));
  }

  #referenced(sessionId: string, hash: string): { record: Omit<StoredAssetInfo, 'hash'>; data: Uint8Array } | null {
    const data = this.#open();
    const session = checkName(sessionId, 'session id');
    if (typeof hash !== 'string') throw new TypeError('asset hash must be a string');
    if (!isAssetHash(hash) || !data.assetReferences.get(session)?.has(hash)) return null;
    return data.assets.get(hash) ?? null;
  }
}

function duplicate(log: string, detail: string): DuplicateEventError {
  return new DuplicateEventError(`memory store: log ${JSON.stringify(log)}: ${detail}; nothing was written`);
}

function copyEvent(event: StoredEvent): StoredEvent {
  return { sequence: event.sequence, id: event.id, data: new Uint8Array(event.data) };
}

function lastGm(members: Map<string, StoredMember>): boolean {
  return [...members.values()].filter((m) => m.role === 'gm').length <= 1;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
