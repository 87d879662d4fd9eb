import * as Y from 'yjs';

/**
 * Decodes a whole client update before it may touch a document ([P13]) and
 * rejects clock ranges that end past Number.MAX_SAFE_INTEGER. Yjs adds clocks
 * and lengths as doubles, so such a range rounds into an empty or overlapping
 * one; parked in the doc's pending delete set (which Yjs re-reads on every
 * update) it made every later update to the room throw after integrating, so
 * every writer was disconnected on each edit until the room was evicted.
 * Throws on any defect.
 */
export function checkUpdate(update: Uint8Array): void {
  const { structs, ds } = Y.decodeUpdate(update);
  for (const struct of structs) {
    if (struct.id.clock + struct.length > Number.MAX_SAFE_INTEGER) {
      throw new Error(`struct range of client ${struct.id.client} ends past 2^53`);
    }
  }
  for (const [client, items] of ds.clients) {
    for (const item of items) {
      if (item.clock + item.len > Number.MAX_SAFE_INTEGER) throw new Error(`deleted range of client ${client} ends past 2^53`);
    }
  }
}
