import { crc32 } from './crc32.ts';

/**
 * Record framing of the on-disk log: [u32 length][u32 crc32][kind][payload],
 * little endian, length and crc over kind + payload. A crash can only tear
 * the tail, which then fails the length or crc check and is cut off.
 */
export const RecordKind = {
  Update: 1,
  Meta: 2,
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

const HEADER_BYTES = 8;

export interface LogRecord {
  readonly kind: RecordKind;
  readonly payload: Uint8Array;
}

export function encodeRecord(kind: RecordKind, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + 1 + payload.length);
  out[HEADER_BYTES] = kind;
  out.set(payload, HEADER_BYTES + 1);
  const body = out.subarray(HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length, true);
  view.setUint32(4, crc32(body), true);
  return out;
}

/** Parses records up to the first damaged one; `validBytes` is where the damage starts. */
export function decodeRecords(bytes: Uint8Array): { records: LogRecord[]; validBytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: LogRecord[] = [];
  let pos = 0;
  while (pos + HEADER_BYTES <= bytes.length) {
    const length = view.getUint32(pos, true);
    const end = pos + HEADER_BYTES + length;
    if (length === 0 || end > bytes.length) break;
    const body = bytes.subarray(pos + HEADER_BYTES, end);
    if (crc32(body) !== view.getUint32(pos + 4, true)) break;
    const kind = body[0];
    if (kind !== RecordKind.Update && kind !== RecordKind.Meta) break;
    records.push({ kind, payload: body.subarray(1) });
    pos = end;
  }
  return { records, validBytes: pos };
}
