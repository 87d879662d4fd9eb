import { digest } from 'lib0/hash/sha256';
import { toBase64 } from 'lib0/buffer';
import * as Y from 'yjs';

/**
 * Content checksum of a Y.Doc ([P7]): sha256 of the encoded snapshot (state
 * vector + delete set). Yjs writes both in a canonical order and merges
 * adjacent deleted structs, so two documents holding the same operations hash
 * equal however their items happen to be split in memory.
 */
export function docChecksum(doc: Y.Doc): string {
  return toBase64(digest(Y.encodeSnapshot(Y.snapshot(doc))));
}
