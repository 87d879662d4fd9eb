import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** Deleted id ranges per client, as in a Yjs DeleteSet (`ds.clients`). */
export type DeleteRanges = ReadonlyMap<number, ReadonlyArray<{ readonly clock: number; readonly len: number }>>;

/**
 * Yjs's V1 delete-set encoding (clients in descending order, as Yjs writes
 * them), so `saved` can say which deletions are durable: a transaction that
 * only deletes advances no clock, so a state vector alone cannot confirm it.
 */
export function encodeDeleteSet(ranges: DeleteRanges): Uint8Array {
  const encoder = encoding.createEncoder();
  const clients = Array.from(ranges.entries())
    .filter(([, items]) => items.length > 0)
    .sort((a, b) => b[0] - a[0]);
  encoding.writeVarUint(encoder, clients.length);
  for (const [client, items] of clients) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, items.length);
    for (const { clock, len } of items) {
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarUint(encoder, len);
    }
  }
  return encoding.toUint8Array(encoder);
}

/** Throws on malformed input (callers treat that as a protocol error). */
export function decodeDeleteSet(data: Uint8Array): Map<number, Array<{ clock: number; len: number }>> {
  const decoder = decoding.createDecoder(data);
  const out = new Map<number, Array<{ clock: number; len: number }>>();
  const clients = decoding.readVarUint(decoder);
  for (let i = 0; i < clients; i++) {
    const client = decoding.readVarUint(decoder);
    const count = decoding.readVarUint(decoder);
    const items: Array<{ clock: number; len: number }> = [];
    for (let j = 0; j < count; j++) {
      const clock = decoding.readVarUint(decoder);
      items.push({ clock, len: decoding.readVarUint(decoder) });
    }
    out.set(client, items);
  }
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes after delete set');
  return out;
}
