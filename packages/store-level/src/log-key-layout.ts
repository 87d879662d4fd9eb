/**
 * Keys of the event logs (docs/storage.md, [L5]). Every key of one log starts
 * with the log's prefix (namespace 0x02, length-prefixed name, see
 * key-layout.ts), then one byte says what the key holds:
 *
 *   prefix | 0x01 | u64 BE sequence -> entry value (event-value.ts)
 *   prefix | 0x02 | utf8(id)        -> u64 BE sequence (id index, for dedupe and eventById)
 *   prefix | 0x03 | utf8(id)        -> rejection data
 *   prefix | 0x04 | utf8(id)        -> checkpoint data
 *   prefix | 0x05 | utf8(id)        -> open approval data
 *   prefix | 0x06                   -> u64 BE epoch of the log's latest claim (its fence, [S30])
 *
 * Sequences are fixed-width big-endian, so byte order is numeric order: one
 * log's entries are one range, read ascending for readEvents and backwards,
 * one key, for lastSequence.
 */
import { type KeyRange, LOG_NAMESPACE, kindKey, kindRange, namedPrefix, textAfterKind, wellFormedUtf8 } from './key-layout.ts';

const ENTRY = 0x01;
const ID_INDEX = 0x02;
const REJECTION = 0x03;
const CHECKPOINT = 0x04;
const APPROVAL = 0x05;
const FENCE = 0x06;
const SEQUENCE_BYTES = 8;

/** The key prefix shared by every key of `log` and by nothing else. */
export function logPrefix(log: string): Uint8Array {
  return namedPrefix(LOG_NAMESPACE, log, 'log name');
}

export function encodeSequence(sequence: number): Uint8Array {
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new RangeError(`sequence ${sequence} is not a non-negative safe integer`);
  }
  const bytes = new Uint8Array(SEQUENCE_BYTES);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(sequence));
  return bytes;
}

export function decodeSequence(bytes: Uint8Array): number {
  if (bytes.byteLength !== SEQUENCE_BYTES) {
    throw new Error(`a sequence is ${SEQUENCE_BYTES} bytes, not ${bytes.byteLength}`);
  }
  const value = new DataView(bytes.buffer, bytes.byteOffset, SEQUENCE_BYTES).getBigUint64(0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`sequence ${value} is beyond the safe integers`);
  return Number(value);
}

export function entryKey(prefix: Uint8Array, sequence: number): Uint8Array {
  return kindKey(prefix, ENTRY, encodeSequence(sequence));
}

/** Entries with sequence ≥ `from` (all of them for `from` ≤ 0). */
export function entryRange(prefix: Uint8Array, from = 0): KeyRange {
  return { gte: entryKey(prefix, Math.max(from, 0)), lt: kindKey(prefix, ENTRY + 1) };
}

export function sequenceOfEntryKey(prefix: Uint8Array, key: Uint8Array): number {
  return decodeSequence(key.subarray(prefix.byteLength + 1));
}

export function idIndexKey(prefix: Uint8Array, id: string): Uint8Array {
  return kindKey(prefix, ID_INDEX, wellFormedUtf8(id, 'event id'));
}

export function rejectionKey(prefix: Uint8Array, id: string): Uint8Array {
  return kindKey(prefix, REJECTION, wellFormedUtf8(id, 'rejection id'));
}

export function checkpointKey(prefix: Uint8Array, id: string): Uint8Array {
  return kindKey(prefix, CHECKPOINT, wellFormedUtf8(id, 'checkpoint id'));
}

export function checkpointRange(prefix: Uint8Array): KeyRange {
  return kindRange(prefix, CHECKPOINT);
}

export function approvalKey(prefix: Uint8Array, id: string): Uint8Array {
  return kindKey(prefix, APPROVAL, wellFormedUtf8(id, 'approval id'));
}

export function approvalRange(prefix: Uint8Array): KeyRange {
  return kindRange(prefix, APPROVAL);
}

/** The id of a record key (checkpoint or approval): the UTF-8 after the kind byte. */
export function idOfKey(prefix: Uint8Array, key: Uint8Array): string {
  return textAfterKind(prefix, key);
}

export function fenceKey(prefix: Uint8Array): Uint8Array {
  return kindKey(prefix, FENCE);
}
