import * as Y from 'yjs';

/** A client update as Yjs decodes it: its structs in wire order and its delete set. */
export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/**
 * Decodes a whole client update before it may touch a document ([P13]) and
 * rejects clock ranges that end past Number.MAX_SAFE_INTEGER. Yjs adds clocks
 * and lengths as doubles, so such a range rounds into an empty or overlapping
 * one; parked in the doc's pending delete set (which Yjs re-reads on every
 * update) it made every later update to the room throw after integrating, so
 * every writer was disconnected on each edit until the room was evicted.
 * Throws on any defect.
 */
export function decodeCheckedUpdate(update: Uint8Array): DecodedUpdate {
  const decoded = Y.decodeUpdate(update);
  for (const struct of decoded.structs) {
    if (struct.id.clock + struct.length > Number.MAX_SAFE_INTEGER) {
      throw new Error(`struct range of client ${struct.id.client} ends past 2^53`);
    }
  }
  for (const [client, items] of decoded.ds.clients) {
    for (const item of items) {
      if (item.clock + item.len > Number.MAX_SAFE_INTEGER) throw new Error(`deleted range of client ${client} ends past 2^53`);
    }
  }
  return decoded;
}

/** `decodeCheckedUpdate` for callers that only need the verdict. */
export function checkUpdate(update: Uint8Array): void {
  decodeCheckedUpdate(update);
}
