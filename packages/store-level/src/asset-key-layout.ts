/**
 * Keys of assets ([LAS1] in docs/storage.md). The bytes live once per
 * SHA-256, in namespace 0x08, as a record and fixed-size chunks:
 *
 *   0x08 | sha-256 (32 bytes) | 0x01                   -> asset record (asset-value.ts)
 *   0x08 | sha-256 (32 bytes) | 0x02 | u32 BE index    -> chunk `index` of the bytes
 *
 * Each session's references live in namespace 0x09 under its length-prefixed
 * id (key-layout.ts), so one session's references are one range:
 *
 *   0x09 | u32 BE byteLength(id) | utf8(id) | 0x01 | sha-256 (32 bytes) -> reference value
 *
 * The hash is fixed-length, so nothing can follow it ambiguously, and the
 * chunk index is big-endian, so key order is chunk order.
 */
import { ASSET_NAMESPACE, type KeyRange, kindKey, kindRange, namedPrefix, SESSION_ASSET_NAMESPACE } from './key-layout.ts';

const RECORD = 0x01;
const CHUNK = 0x02;
const REFERENCE = 0x01;
const HASH_BYTES = 32;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The 32 bytes of a lowercase hex SHA-256, or null for any other string (which names no asset). */
export function hashBytes(hash: string): Uint8Array | null {
  if (typeof hash !== 'string') throw new TypeError('asset hash must be a string');
  return SHA256_HEX.test(hash) ? Uint8Array.from(Buffer.from(hash, 'hex')) : null;
}

export function hashHex(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
}

function assetPrefix(hash: Uint8Array): Uint8Array {
  if (hash.byteLength !== HASH_BYTES) throw new RangeError('an asset hash is 32 bytes');
  return Uint8Array.of(ASSET_NAMESPACE, ...hash);
}

export function assetRecordKey(hash: Uint8Array): Uint8Array {
  return kindKey(assetPrefix(hash), RECORD);
}

export function assetChunkKey(hash: Uint8Array, index: number): Uint8Array {
  const rest = new Uint8Array(4);
  new DataView(rest.buffer).setUint32(0, index);
  return kindKey(assetPrefix(hash), CHUNK, rest);
}

/** Exactly the chunk keys of one asset, in chunk order. */
export function assetChunkRange(hash: Uint8Array): KeyRange {
  return kindRange(assetPrefix(hash), CHUNK);
}

/** The key prefix of every reference of session `id` and of nothing else. */
export function sessionAssetPrefix(sessionId: string): Uint8Array {
  return namedPrefix(SESSION_ASSET_NAMESPACE, sessionId, 'session id');
}

export function sessionAssetKey(prefix: Uint8Array, hash: Uint8Array): Uint8Array {
  return kindKey(prefix, REFERENCE, hash);
}

/** Exactly the references of one session. */
export function sessionAssetRange(prefix: Uint8Array): KeyRange {
  return kindRange(prefix, REFERENCE);
}
