/**
 * Binary key layout of the LevelDB backend (docs/storage.md, [L1] and [L5]).
 * The first byte is the namespace, so no two kinds of key can collide:
 *
 *   0x00 "epoch"                                       -> u32 BE open counter
 *   0x01 | u32 BE byteLength(name) | utf8(name) | rowId -> row value
 *   0x02 | u32 BE byteLength(log) | utf8(log) | ...     -> event logs (log-key-layout.ts)
 *   0x03 | u32 BE byteLength(id) | utf8(id) | ...       -> sessions and members (session-key-layout.ts)
 *   0x04 | utf8(name)                                   -> server secrets (session-key-layout.ts)
 *   0x05 | u32 BE byteLength(log) | utf8(log) | ...     -> audit logs (audit-key-layout.ts)
 *   0x06 | u32 BE byteLength(name) | utf8(name) | ...   -> client-id leases (level-client-ids.ts)
 *   0x07 | u32 BE byteLength(user) | utf8(user) | ...   -> each user's sessions (session-key-layout.ts)
 *   0x08 | sha-256 (32 bytes) | ...                     -> asset records and chunks (asset-key-layout.ts)
 *   0x09 | u32 BE byteLength(id) | utf8(id) | ...       -> each session's asset references (asset-key-layout.ts)
 *
 * Length-prefixing the name means no document's prefix is a prefix of another
 * document's, whatever bytes the names contain, so one document is exactly
 * one key range.
 */
import type { RowId } from '@dungeon-lab/store';
import { checkName } from '@dungeon-lab/store/input';

const META_NAMESPACE = 0x00;
const ROW_NAMESPACE = 0x01;
export const LOG_NAMESPACE = 0x02;
export const SESSION_NAMESPACE = 0x03;
export const SECRET_NAMESPACE = 0x04;
export const AUDIT_NAMESPACE = 0x05;
export const CLIENT_ID_NAMESPACE = 0x06;
export const USER_NAMESPACE = 0x07;
export const ASSET_NAMESPACE = 0x08;
export const SESSION_ASSET_NAMESPACE = 0x09;
/** Upper bound of a document's range; row ids are ASCII and never start with it. */
const RANGE_END = 0xff;
export const NAME_OFFSET = 5;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A LevelDB iterator range: keys from `gte` up to, not including, `lt`. */
export interface KeyRange {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
}

export const EPOCH_KEY: Uint8Array = Uint8Array.of(META_NAMESPACE, ...encoder.encode('epoch'));
/** Present once every membership has its entry in the user index ([LM3]); a data directory from before it has none. */
export const USER_INDEX_KEY: Uint8Array = Uint8Array.of(META_NAMESPACE, ...encoder.encode('user-index'));

/** The key prefix shared by every row of `docName` and by nothing else. */
export function docPrefix(docName: string): Uint8Array {
  return namedPrefix(ROW_NAMESPACE, docName, 'document name');
}

/**
 * `namespace | u32 BE byteLength(name) | utf8(name)`: within one namespace, no
 * name's prefix is a prefix of another name's.
 */
export function namedPrefix(namespace: number, name: string, what: string): Uint8Array {
  const encoded = wellFormedUtf8(name, what);
  const prefix = new Uint8Array(NAME_OFFSET + encoded.byteLength);
  prefix[0] = namespace;
  new DataView(prefix.buffer).setUint32(1, encoded.byteLength);
  prefix.set(encoded, NAME_OFFSET);
  return prefix;
}

/** UTF-8 of a string that is to become (part of) a key, refusing strings that would not stay distinct. */
export function wellFormedUtf8(value: string, what: string): Uint8Array {
  return encoder.encode(checkName(value, what));
}

export function rowKey(prefix: Uint8Array, id: RowId): Uint8Array {
  if (typeof id !== 'string') throw new TypeError('row id must be a string');
  const idBytes = encoder.encode(id);
  const key = new Uint8Array(prefix.byteLength + idBytes.byteLength);
  key.set(prefix);
  key.set(idBytes, prefix.byteLength);
  return key;
}

/** The range holding exactly the rows of the document with this prefix. */
export function docRange(prefix: Uint8Array): KeyRange {
  const lt = new Uint8Array(prefix.byteLength + 1);
  lt.set(prefix);
  lt[prefix.byteLength] = RANGE_END;
  return { gte: prefix, lt };
}

export function rowIdOfKey(prefix: Uint8Array, key: Uint8Array): RowId {
  return decoder.decode(key.subarray(prefix.byteLength));
}

/** A key of a named record (log, session): its prefix, then one byte saying what it holds, then `rest`. */
export function kindKey(prefix: Uint8Array, kind: number, rest: Uint8Array = new Uint8Array(0)): Uint8Array {
  const key = new Uint8Array(prefix.byteLength + 1 + rest.byteLength);
  key.set(prefix);
  key[prefix.byteLength] = kind;
  key.set(rest, prefix.byteLength + 1);
  return key;
}

/** Exactly the keys of one kind under `prefix`. */
export function kindRange(prefix: Uint8Array, kind: number): KeyRange {
  return { gte: kindKey(prefix, kind), lt: kindKey(prefix, kind + 1) };
}

/** The UTF-8 text after a kind key's kind byte (an id, a user id). */
export function textAfterKind(prefix: Uint8Array, key: Uint8Array): string {
  return decoder.decode(key.subarray(prefix.byteLength + 1));
}
