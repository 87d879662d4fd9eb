/**
 * Entry values: `u32 BE byteLength(id) | utf8(id) | data`. The id is stored
 * with the entry (and not only in the id index) so that readEvents is one
 * range read.
 */
import type { StoredEvent, StoredRecord } from '@dungeon-lab/store';
import { wellFormedUtf8 } from './key-layout.ts';

const ID_OFFSET = 4;
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks an entry from the caller; throws TypeError/RangeError, never
 * DuplicateEventError, so a caller can tell bad input from a conflict.
 */
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

/** Checks a record and copies its data, so that a caller mutating it later changes nothing stored. */
export function checkRecord(record: unknown, what: string): StoredRecord {
  if (typeof record !== 'object' || record === null) throw new TypeError(`a ${what} must be an object`);
  const { id, data } = record as Partial<StoredRecord>;
  if (typeof id !== 'string') throw new TypeError(`${what} id must be a string`);
  if (!(data instanceof Uint8Array)) throw new TypeError(`${what} ${JSON.stringify(id)}: data must be a Uint8Array`);
  return { id, data: new Uint8Array(data) };
}

/** A fresh copy of the bytes: the caller may mutate `data` as soon as this returns. */
export function encodeEventValue(id: string, data: Uint8Array): Uint8Array {
  const idBytes = wellFormedUtf8(id, 'event id');
  const value = new Uint8Array(ID_OFFSET + idBytes.byteLength + data.byteLength);
  new DataView(value.buffer).setUint32(0, idBytes.byteLength);
  value.set(idBytes, ID_OFFSET);
  value.set(data, ID_OFFSET + idBytes.byteLength);
  return value;
}

/** Throws on a value too short for its id: returning a truncated entry would hand out wrong bytes. */
export function decodeEventValue(value: Uint8Array): { id: string; data: Uint8Array } {
  if (value.byteLength < ID_OFFSET) throw new Error(`entry value of ${value.byteLength} bytes has no id length`);
  const idLength = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0);
  const dataOffset = ID_OFFSET + idLength;
  if (dataOffset > value.byteLength) {
    throw new Error(`entry value of ${value.byteLength} bytes cannot hold an id of ${idLength} bytes`);
  }
  return {
    id: decoder.decode(value.subarray(ID_OFFSET, dataOffset)),
    data: value.subarray(dataOffset),
  };
}
