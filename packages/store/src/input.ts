/**
 * Checks of what callers hand a store, shared by every backend so that they
 * all refuse the same input with the same errors: a TypeError or RangeError,
 * never DuplicateEventError, so a caller can tell bad input from a conflict
 * ([S17], [SM8], [AU7], [CI5], [AS7] in docs/storage.md). Every check runs
 * before anything is written, so a refused call leaves nothing behind.
 */
import { type AssetInput, type AuditQuery, type AuditRecordInput, type Fence, FencedError, type SessionOfUser, type SessionRole, type StoredEvent, type StoredMember, type StoredRecord, type StoredSession } from './store.ts';

/** A non-negative safe integer: a time, a size, a count, a limit. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isRole(value: unknown): value is SessionRole {
  return value === 'gm' || value === 'player';
}

/**
 * A string that is to become (part of) a key. Lone surrogates are refused:
 * UTF-8 (LevelDB keys, BSON strings) turns each into U+FFFD, which would
 * silently merge two different names into one ([L1], [CI5]).
 */
export function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string`);
  if (/\p{Surrogate}/u.test(value)) throw new TypeError(`${what} ${JSON.stringify(value)} is not well-formed Unicode`);
  return value;
}

/** A page size: a non-negative safe integer ([S15], [SM10]). */
export function checkLimit(limit: unknown): number {
  if (!isCount(limit)) throw new RangeError(`limit ${String(limit)} is not a non-negative safe integer`);
  return limit;
}

/** `readEvents`' arguments ([S15]): `from` any safe integer, `limit` a count. */
export function checkEventRange(from: unknown, limit: unknown): { from: number; limit: number } {
  if (typeof from !== 'number' || !Number.isSafeInteger(from)) throw new RangeError(`from ${String(from)} is not a safe integer`);
  return { from, limit: checkLimit(limit) };
}

/** An entry from the caller ([S17]); its data is not copied (encoders copy). */
export function checkEvent(event: unknown): StoredEvent {
  if (typeof event !== 'object' || event === null) throw new TypeError('an event must be an object');
  const { sequence, id, data } = event as Partial<StoredEvent>;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) {
    throw new RangeError(`event sequence ${String(sequence)} is not a positive safe integer`);
  }
  if (typeof id !== 'string') throw new TypeError(`event ${sequence}: id must be a string`);
  if (!(data instanceof Uint8Array)) throw new TypeError(`event ${sequence}: data must be a Uint8Array`);
  return { sequence, id, data };
}

/**
 * A batch for `appendEvents`, checked whole: invalid entries throw a
 * TypeError/RangeError, a sequence or id twice in the batch the error
 * `duplicate(detail)` builds ([S17]).
 */
export function checkEventBatch(events: unknown, duplicate: (detail: string) => Error): StoredEvent[] {
  if (!Array.isArray(events)) throw new TypeError('events must be an array');
  const checked = events.map(checkEvent);
  const sequences = new Set<number>();
  const ids = new Set<string>();
  for (const { sequence, id } of checked) {
    if (sequences.has(sequence)) throw duplicate(`sequence ${sequence} appears twice in the batch`);
    if (ids.has(id)) throw duplicate(`id ${JSON.stringify(id)} appears twice in the batch`);
    sequences.add(sequence);
    ids.add(id);
  }
  return checked;
}

/** Checks a record and copies its data, so that a caller mutating it later changes nothing stored. */
export function checkRecord(record: unknown, what: string): StoredRecord {
  if (typeof record !== 'object' || record === null) throw new TypeError(`a ${what} must be an object`);
  const { id, data } = record as Partial<StoredRecord>;
  if (typeof id !== 'string') throw new TypeError(`${what} id must be a string`);
  if (!(data instanceof Uint8Array)) throw new TypeError(`${what} ${JSON.stringify(id)}: data must be a Uint8Array`);
  return { id, data: new Uint8Array(data) };
}

/** Document rows to append ([S3], [S5]): every one a Uint8Array, or the call writes nothing. */
export function checkUpdates(updates: unknown): readonly Uint8Array[] {
  if (!Array.isArray(updates)) throw new TypeError('updates must be an array');
  for (const update of updates) if (!(update instanceof Uint8Array)) throw new TypeError('every update must be a Uint8Array');
  return updates as Uint8Array[];
}

export function checkBytes(data: unknown, what: string): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  return data;
}

export function checkSession(session: unknown): StoredSession {
  if (typeof session !== 'object' || session === null) throw new TypeError('a session must be an object');
  const { id, name, joinCode, createdBy, createdAt } = session as Partial<StoredSession>;
  if (typeof id !== 'string') throw new TypeError('session id must be a string');
  if (typeof name !== 'string') throw new TypeError(`session ${JSON.stringify(id)}: name must be a string`);
  if (typeof joinCode !== 'string') throw new TypeError(`session ${JSON.stringify(id)}: joinCode must be a string`);
  if (typeof createdBy !== 'string') throw new TypeError(`session ${JSON.stringify(id)}: createdBy must be a string`);
  if (!isCount(createdAt)) throw new RangeError(`session ${JSON.stringify(id)}: createdAt must be a non-negative safe integer`);
  return { id, name, joinCode, createdBy, createdAt };
}

export function checkMember(member: unknown): StoredMember {
  if (typeof member !== 'object' || member === null) throw new TypeError('a member must be an object');
  const { userId, role, joinedAt, name } = member as Partial<StoredMember>;
  if (typeof userId !== 'string') throw new TypeError('member userId must be a string');
  if (!isRole(role)) throw new TypeError(`member ${JSON.stringify(userId)}: role must be "gm" or "player"`);
  if (!isCount(joinedAt)) throw new RangeError(`member ${JSON.stringify(userId)}: joinedAt must be a non-negative safe integer`);
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`member ${JSON.stringify(userId)}: name must be a string`);
  // No `name` key at all when there is none: a record from before names were kept reads the same as one without ([SM12]).
  return name === undefined ? { userId, role, joinedAt } : { userId, role, joinedAt, name };
}

/** The session's creator as its first member ([SM2], [SM12]). */
export function creatorOf(session: StoredSession, creatorName: unknown): StoredMember {
  return checkMember({ userId: session.createdBy, role: 'gm', joinedAt: session.createdAt, name: creatorName });
}

/** Checks an audit record and copies its data ([AU7]). */
export function checkAuditRecord(record: AuditRecordInput): AuditRecordInput {
  if (record === null || typeof record !== 'object') throw new TypeError('an audit record must be an object');
  if (!isCount(record.at)) throw new TypeError(`audit time ${String(record.at)} is not a non-negative safe integer`);
  if (!(record.data instanceof Uint8Array)) throw new TypeError('audit data must be a Uint8Array');
  return { at: record.at, data: new Uint8Array(record.data) };
}

/** `readAudit`'s query ([AU4], [AU7]); an id cursor is parsed by the backend that made it. */
export function checkAuditQuery(query: AuditQuery): { limit: number; before: string | number | undefined } {
  const { limit, before } = query ?? ({} as AuditQuery);
  if (!isCount(limit)) throw new TypeError(`audit limit ${String(limit)} is not a non-negative safe integer`);
  if (before === undefined || typeof before === 'string' || isCount(before)) return { limit, before };
  throw new TypeError(`audit cursor ${String(before)} is neither a record id nor a time in ms`);
}

export function checkAssetInput(asset: unknown): AssetInput {
  if (typeof asset !== 'object' || asset === null) throw new TypeError('an asset must be an object');
  const { type, width, height, data } = asset as Partial<AssetInput>;
  if (typeof type !== 'string' || type === '') throw new TypeError('asset type must be a non-empty string');
  if (!isCount(width) || !isCount(height)) throw new RangeError('asset width and height must be non-negative safe integers');
  if (!(data instanceof Uint8Array)) throw new TypeError('asset data must be a Uint8Array');
  return { type, width, height, data };
}

export function checkQuota(maxSessionBytes: unknown): number {
  if (!isCount(maxSessionBytes)) throw new RangeError(`quota ${String(maxSessionBytes)} is not a non-negative safe integer`);
  return maxSessionBytes;
}

/** `clientIdOwner`'s id ([CI1]): a non-number is a caller's bug; a number that no lease can be answers null, so this says which. */
export function leasableClientId(clientId: unknown): number | null {
  if (typeof clientId !== 'number') throw new TypeError(`client id ${String(clientId)} is not a number`);
  return Number.isSafeInteger(clientId) && clientId >= 1 ? clientId : null;
}

/** A lowercase hex SHA-256, the only strings that can name an asset ([AS1]). */
export function isAssetHash(hash: string): boolean {
  return /^[0-9a-f]{64}$/.test(hash);
}

/** The order `listSessionsOf` answers in ([SM10]): newest `joinedAt` first, ties in session-id order. */
export function newestJoinedFirst(a: SessionOfUser, b: SessionOfUser): number {
  return b.joinedAt - a.joinedAt || (a.session.id < b.session.id ? -1 : a.session.id > b.session.id ? 1 : 0);
}

/**
 * Where an audit record sits in reading order, for stores that number their
 * appends: its time, then its position among all appends of the log
 * ([AU3], [AU5]). Its id is `<at>-<position>` in decimal, so a `before: id`
 * cursor needs no lookup and never reads as a time.
 */
export interface AuditPosition {
  readonly at: number;
  readonly position: number;
}

const AUDIT_ID = /^(\d{1,16})-(\d{1,16})$/;

export function auditIdOf(position: AuditPosition): string {
  return `${position.at}-${position.position}`;
}

/**
 * The position a `before` cursor reads below: an id made by auditIdOf, or a
 * time (below every position of that time); undefined reads from the newest.
 * Throws for a string that is no such id ([AU7]).
 */
export function auditCursor(before: string | number | undefined): AuditPosition | undefined {
  if (before === undefined) return undefined;
  if (typeof before === 'number') return { at: before, position: 0 };
  const match = AUDIT_ID.exec(before);
  const at = Number(match?.[1]);
  const position = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(at) || !Number.isSafeInteger(position)) {
    throw new TypeError(`${JSON.stringify(before)} is not an audit record id`);
  }
  return { at, position };
}

/** A write's fence ([S30]): none, or a log name and a positive safe integer epoch. */
export function checkFence(fence: unknown): Fence | undefined {
  if (fence === undefined) return undefined;
  if (typeof fence !== 'object' || fence === null) throw new TypeError('fence must be an object');
  const { log, epoch } = fence as Record<string, unknown>;
  if (!isCount(epoch) || epoch < 1) throw new RangeError(`fence epoch ${String(epoch)} is not a positive safe integer`);
  return { log: checkName(log, 'fence log name'), epoch };
}

/** The refusal of a write whose fence is not its log's latest claim (`latest`, 0 for none) ([S30]). */
export function fenced(fence: Fence, latest: number): FencedError {
  return new FencedError(`log ${JSON.stringify(fence.log)} was claimed at epoch ${latest}: a write under epoch ${fence.epoch} is refused`);
}
