import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@dungeon-lab/store';
import { runAuditStoreConformance } from '@dungeon-lab/store/conformance';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditKey, auditPrefix } from './audit-key-layout.ts';
import { createLevelStore } from './level-store.ts';

for (const sync of [true, false]) {
  runAuditStoreConformance(`level (sync: ${sync})`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-store-level-audit-'));
    return {
      open: () => createLevelStore({ dataDir, sync }),
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  });
}

const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');
const text = (s: string): string => Buffer.from(s).toString('hex');

describe('level audit log', () => {
  let dataDir: string;
  const opened: Store[] = [];

  const open = async (): Promise<Store> => {
    const store = await createLevelStore({ dataDir, sync: false });
    opened.push(store);
    return store;
  };

  const raw = async (edit: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> => {
    for (const store of opened.splice(0)) await store.close();
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dataDir, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await edit(db);
    } finally {
      await db.close();
    }
  };

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dl-store-level-audit-'));
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

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
    expect(entries.slice(1)).toEqual([
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
