/**
 * Binary key layout of the LevelDB backend (docs/storage.md, [L1]):
 *
 *   0x00 "epoch"                                       -> u32 BE open counter
 *   0x01 | u32 BE byteLength(name) | utf8(name) | rowId -> row value
 *
 * Length-prefixing the name means no document's prefix is a prefix of another
 * document's, whatever bytes the names contain, so one document is exactly
 * one key range.
 */
import type { RowId } from '@dungeon-lab/store';

const META_NAMESPACE = 0x00;
const ROW_NAMESPACE = 0x01;
/** Upper bound of a document's range; row ids are ASCII and never start with it. */
const RANGE_END = 0xff;
const NAME_OFFSET = 5;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const EPOCH_KEY: Uint8Array = Uint8Array.of(META_NAMESPACE, ...encoder.encode('epoch'));

/** The key prefix shared by every row of `docName` and by nothing else. */
export function docPrefix(docName: string): Uint8Array {
  if (typeof docName !== 'string') throw new TypeError('document name must be a string');
  // TextEncoder turns a lone surrogate into U+FFFD, which would silently merge
  // two different names into one document.
  if (/\p{Surrogate}/u.test(docName)) {
    throw new TypeError(`document name ${JSON.stringify(docName)} is not well-formed Unicode`);
  }
  const name = encoder.encode(docName);
  const prefix = new Uint8Array(NAME_OFFSET + name.byteLength);
  prefix[0] = ROW_NAMESPACE;
  new DataView(prefix.buffer).setUint32(1, name.byteLength);
  prefix.set(name, NAME_OFFSET);
  return prefix;
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
export function docRange(prefix: Uint8Array): { gte: Uint8Array; lt: Uint8Array } {
  const lt = new Uint8Array(prefix.byteLength + 1);
  lt.set(prefix);
  lt[prefix.byteLength] = RANGE_END;
  return { gte: prefix, lt };
}

export function rowIdOfKey(prefix: Uint8Array, key: Uint8Array): RowId {
  return decoder.decode(key.subarray(prefix.byteLength));
}
