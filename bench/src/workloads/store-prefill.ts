/**
 * A store as a server that has run for a while leaves it: many rooms of
 * earlier evenings, written straight into the embedded store before the
 * target opens it (a server would take hours to write as much).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLevelStore } from '@dungeon-lab/store-level';

/**
 * A room's name as a deployment's are: an id of one length. The store's keys
 * are a name's length, then its bytes, so rooms named this way interleave
 * whatever their age, and a new room's reads and LevelDB's compactions meet
 * the tables of old rooms as they do on a long-running server — names like
 * `soak-12-3` would sit in a key range of their own.
 */
export function roomId(seed: string): string {
  return `room-${createHash('sha256').update(seed).digest('hex').slice(0, 16)}`;
}

export interface Prefill {
  readonly rooms: number;
  /** The size of each room's snapshot: half random bytes, half zeros, so LevelDB's compression halves it as it does real documents'. */
  readonly roomBytes: number;
}

export interface PrefillResult {
  readonly tables: number;
  readonly bytesOnDisk: number;
  readonly ms: number;
}

/** Rooms written this many at a time: one group commit each. */
const BATCH = 64;

/** Writes `rooms` earlier rooms (`roomId('earlier-<n>')`, one snapshot each) into a store directory not yet open. */
export async function prefillStore(dataDir: string, prefill: Prefill): Promise<PrefillResult> {
  const started = Date.now();
  // No fsync: nothing is acknowledged to anyone, and LevelDB's close writes it all.
  const store = await createLevelStore({ dataDir, sync: false });
  try {
    for (let first = 0; first < prefill.rooms; first += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, prefill.rooms - first) }, (_, i) => first + i);
      await Promise.all(batch.map((n) => store.writeSnapshot(roomId(`earlier-${n}`), snapshot(prefill.roomBytes))));
    }
  } finally {
    await store.close();
  }
  const files = readdirSync(dataDir);
  return {
    tables: files.filter((name) => name.endsWith('.ldb')).length,
    bytesOnDisk: files.reduce((sum, name) => sum + statSync(join(dataDir, name)).size, 0),
    ms: Date.now() - started,
  };
}

function snapshot(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out.set(randomBytes(Math.floor(bytes / 2)));
  return out;
}
