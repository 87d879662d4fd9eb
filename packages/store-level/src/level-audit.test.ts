import { runAuditStoreConformance } from '@dungeon-lab/store/conformance';
import { describe, expect, it } from 'vitest';
import { hex, levelTestDir, runOnLevel, text } from './level-test-dir.fixture.ts';
import { auditKey, auditPrefix } from './audit-key-layout.ts';

runOnLevel(runAuditStoreConformance, 'dl-store-level-audit-');


describe('level audit log', () => {
  const { open, raw } = levelTestDir('dl-store-level-audit-');

  it('[LA1] the keys on disk are exactly the documented layout, and ids name their position', async () => {
    const store = await open();
    const ids = await store.appendAudit('s', [
      { at: 0x0102, data: Uint8Array.of(0xaa) },
      { at: 0x0102, data: Uint8Array.of(0xbb) },
    ]);
    // Epoch 1 (first open), counters 1 and 2.
    expect(ids).toEqual(['258-1-1', '258-1-2']);
    const entries: [string, string][] = [];
    await raw(async (db) => {
      for (const [key, value] of await db.iterator().all()) entries.push([hex(key), hex(value)]);
    });
    const prefix = `05${'00000001'}${text('s')}`;
    // After the two meta keys (epoch, user-index marker).
    expect(entries.slice(2)).toEqual([
      [`${prefix}${'0000000000000102'}${'00000001'}${'00000001'}`, 'aa'],
      [`${prefix}${'0000000000000102'}${'00000001'}${'00000002'}`, 'bb'],
    ]);
    const reopened = await open();
    // The next open has the next epoch, so its records of the same millisecond sort after.
    expect(await reopened.appendAudit('s', [{ at: 0x0102, data: Uint8Array.of(0xcc) }])).toEqual(['258-2-1']);
  });

  it('[LA1] audit log names that are not well-formed Unicode are refused with a TypeError', async () => {
    const store = await open();
    await expect(store.appendAudit('\ud800', [{ at: 1, data: Uint8Array.of(1) }])).rejects.toBeInstanceOf(TypeError);
    await expect(store.readAudit('a\udfff', { limit: 1 })).rejects.toBeInstanceOf(TypeError);
  });

  it('[LA1] a key of the wrong length makes the read reject instead of skipping it', async () => {
    const store = await open();
    await store.appendAudit('s', [{ at: 5, data: Uint8Array.of(1) }]);
    await raw(async (db) => {
      const good = auditKey(auditPrefix('s'), { at: 6, epoch: 1, counter: 1 });
      await db.put(good.subarray(0, good.byteLength - 1), Uint8Array.of(2));
    });
    const reopened = await open();
    await expect(reopened.readAudit('s', { limit: 10 })).rejects.toThrow(/audit key/);
  });
});
