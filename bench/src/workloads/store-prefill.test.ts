import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLevelStore } from '@dungeon-lab/store-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { soakPrefill } from './soak.ts';
import { prefillStore, roomId } from './store-prefill.ts';

describe('store prefill', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dl-bench-prefill-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('room ids have one length whatever the seed, and one seed one id', () => {
    const ids = ['soak-0-0', 'soak-166-19', 'earlier-29999', ''].map(roomId);
    expect(new Set(ids.map((id) => id.length))).toEqual(new Set(['room-'.length + 16]));
    expect(roomId('soak-3-4')).toBe(roomId('soak-3-4'));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes every earlier room as one snapshot the store loads back, half random and half zeros', async () => {
    const done = await prefillStore(dataDir, { rooms: 300, roomBytes: 40 * 1024 });
    expect(done.tables).toBeGreaterThanOrEqual(1);
    expect(done.bytesOnDisk).toBeGreaterThan(300 * 20 * 1024);
    const store = await createLevelStore({ dataDir });
    try {
      for (const n of [0, 150, 299]) {
        const { rows } = await store.loadDoc(roomId(`earlier-${n}`));
        expect(rows.map((row) => [row.kind, row.data.byteLength])).toEqual([['snapshot', 40 * 1024]]);
        const data = rows[0]!.data;
        expect(data.subarray(20 * 1024).every((byte) => byte === 0)).toBe(true);
        expect(data.subarray(0, 20 * 1024).filter((byte) => byte === 0).length).toBeLessThan(20 * 1024 / 64);
      }
      expect((await store.loadDoc(roomId('earlier-300'))).rows).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('SOAK_PREFILL_ROOMS: 30,000 by default, 0 for an empty store, anything else refused', () => {
    expect(soakPrefill({}).rooms).toBe(30_000);
    expect(soakPrefill({ SOAK_PREFILL_ROOMS: '0' }).rooms).toBe(0);
    expect(() => soakPrefill({ SOAK_PREFILL_ROOMS: 'lots' })).toThrow(/SOAK_PREFILL_ROOMS must be a whole number of rooms, got "lots"/);
  });
});
