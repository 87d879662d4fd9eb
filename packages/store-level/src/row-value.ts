/** Row values: one kind byte followed by the row's bytes. */
import type { StoredRow } from '@dungeon-lab/store';

type RowKind = StoredRow['kind'];

const KIND_BYTE: Record<RowKind, number> = { update: 0x75 /* u */, snapshot: 0x73 /* s */ };

export function encodeRowValue(kind: RowKind, data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError(`${kind} data must be a Uint8Array`);
  const value = new Uint8Array(1 + data.byteLength);
  value[0] = KIND_BYTE[kind];
  value.set(data, 1);
  return value;
}

/** Throws on an unknown kind byte: skipping a row would load a document with data missing ([S2]). */
export function decodeRowValue(value: Uint8Array): { kind: RowKind; data: Uint8Array } {
  const kindByte = value[0];
  if (kindByte === undefined) throw new Error('empty row value has no kind byte');
  const data = new Uint8Array(value.buffer, value.byteOffset + 1, value.byteLength - 1);
  switch (kindByte) {
    case KIND_BYTE.update:
      return { kind: 'update', data };
    case KIND_BYTE.snapshot:
      return { kind: 'snapshot', data };
    default:
      throw new Error(`unknown row kind byte 0x${kindByte.toString(16).padStart(2, '0')}`);
  }
}
