/**
 * Row ids: `<ms, 12 hex>-<open epoch, 8 hex>-<sequence, 12 hex>`.
 *
 * Time first makes ids (and so LevelDB key order) follow write order, which
 * lets Yjs replay a document with few pending structs. The epoch is unique per
 * open of a data directory, so ids stay unique across restarts even when the
 * clock goes back ([S9]); the sequence makes them unique within one open.
 */
import type { RowId } from '@dungeon-lab/store';

export function createRowIdGenerator(epoch: number, now: () => number = Date.now): () => RowId {
  const epochPart = fixedHex(epoch, 8);
  let lastMs = 0;
  let sequence = 0;
  return () => {
    // Never step back in time within one open, so ids of one process sort in creation order.
    lastMs = Math.max(lastMs, now());
    sequence++;
    return `${fixedHex(lastMs, 12)}-${epochPart}-${fixedHex(sequence, 12)}`;
  };
}

function fixedHex(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 16 ** width) {
    throw new RangeError(`${value} does not fit in ${width} hex digits`);
  }
  return value.toString(16).padStart(width, '0');
}
