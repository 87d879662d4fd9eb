/**
 * Keys of the audit logs (docs/storage.md, [LA1]). Every key of one log starts
 * with the log's prefix (namespace 0x05, length-prefixed name, see
 * key-layout.ts), followed by a fixed-width position:
 *
 *   prefix | u64 BE at | u32 BE open epoch | u32 BE counter -> record data
 *
 * Big-endian fixed widths make byte order the reading order: by time, then by
 * open of the store (a restart never sorts before what was written earlier
 * at the same millisecond), then by append order within the open. Reading
 * newest first is one reverse range read; a page continues below the key of
 * the last record it returned.
 */
import { AUDIT_NAMESPACE, type KeyRange, namedPrefix } from './key-layout.ts';

const POSITION_BYTES = 16;
const MAX_U32 = 0xffff_ffff;
const ID_PATTERN = /^(\d{1,16})-(\d{1,10})-(\d{1,10})$/;

export interface AuditPosition {
  readonly at: number;
  readonly epoch: number;
  readonly counter: number;
}

/** The key prefix shared by every record of `log` and by nothing else. */
export function auditPrefix(log: string): Uint8Array {
  return namedPrefix(AUDIT_NAMESPACE, log, 'audit log name');
}

export function auditKey(prefix: Uint8Array, position: AuditPosition): Uint8Array {
  const key = new Uint8Array(prefix.byteLength + POSITION_BYTES);
  key.set(prefix);
  const view = new DataView(key.buffer, prefix.byteLength);
  view.setBigUint64(0, BigInt(position.at));
  view.setUint32(8, position.epoch);
  view.setUint32(12, position.counter);
  return key;
}

/** Every record of the log older than `below` (the whole log when `below` is undefined). */
export function auditRange(prefix: Uint8Array, below?: AuditPosition): KeyRange {
  const lt = below === undefined ? auditKey(prefix, { at: 2 ** 53 - 1, epoch: MAX_U32, counter: MAX_U32 }) : auditKey(prefix, below);
  // The largest position is never written (no safe time reaches it), so `lt` excludes nothing real.
  return { gte: prefix, lt };
}

export function positionOfKey(prefix: Uint8Array, key: Uint8Array): AuditPosition {
  if (key.byteLength !== prefix.byteLength + POSITION_BYTES) throw new Error(`audit key of ${key.byteLength} bytes`);
  const view = new DataView(key.buffer, key.byteOffset + prefix.byteLength, POSITION_BYTES);
  const at = view.getBigUint64(0);
  if (at > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`audit time ${at} is beyond the safe integers`);
  return { at: Number(at), epoch: view.getUint32(8), counter: view.getUint32(12) };
}

/** The id callers see: `<at>-<epoch>-<counter>` in decimal, so it always contains a dash and never reads as a time. */
export function auditIdOf(position: AuditPosition): string {
  return `${position.at}-${position.epoch}-${position.counter}`;
}

/** Parses an id made by auditIdOf; throws for anything else. */
export function positionOfId(id: string): AuditPosition {
  const m = ID_PATTERN.exec(id);
  if (m === null) throw new TypeError(`${JSON.stringify(id)} is not an audit record id`);
  const [at, epoch, counter] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!Number.isSafeInteger(at) || epoch > MAX_U32 || counter > MAX_U32) {
    throw new TypeError(`${JSON.stringify(id)} is not an audit record id`);
  }
  return { at, epoch, counter };
}
