/**
 * Entry values: `u32 BE byteLength(id) | utf8(id) | data`. The id is stored
 * with the entry (and not only in the id index) so that readEvents is one
 * range read.
 */
import { wellFormedUtf8 } from './key-layout.ts';

export { checkEvent, checkRecord } from '@dungeon-lab/store/input';

const ID_OFFSET = 4;
const decoder = new TextDecoder('utf-8', { fatal: true });

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
