import { type Ack, AckSchema, type LogEntry, LogEntrySchema } from '@dungeon-lab/events';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * Log entries are stored as lib0 `any` values: a compact binary JSON (varints,
 * no field-name quoting overhead beyond the names) that browsers decode too.
 * Decoding re-validates with the schema, so a corrupt row is an error, never a
 * half-formed entry.
 */
type AnyValue = Parameters<typeof encoding.writeAny>[1];

function encodeAny(value: unknown): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeAny(encoder, value as AnyValue);
  return encoding.toUint8Array(encoder);
}

function decodeAny(data: Uint8Array): unknown {
  return decoding.readAny(decoding.createDecoder(data));
}

/** Optional fields are left out rather than stored as undefined. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function encodeLogEntry(entry: LogEntry): Uint8Array {
  return encodeAny(compact(entry));
}

export function decodeLogEntry(data: Uint8Array): LogEntry {
  return LogEntrySchema.parse(decodeAny(data));
}

/** A remembered rejection: the ack the sender got, so a resend gets the same one ([EL3]). */
export interface RejectionRecord {
  readonly ack: Extract<Ack, { success: false }>;
  readonly userId: string;
  readonly type: string;
  readonly at: number;
}

export function encodeRejection(record: RejectionRecord): Uint8Array {
  return encodeAny({ ...record, ack: compact(record.ack) });
}

export function decodeRejection(data: Uint8Array): RejectionRecord {
  const raw = decodeAny(data) as RejectionRecord;
  const ack = AckSchema.parse(raw.ack);
  if (ack.success) throw new Error('stored rejection holds a successful ack');
  return { ack, userId: String(raw.userId), type: String(raw.type), at: Number(raw.at) };
}

export { encodeAny, decodeAny };
