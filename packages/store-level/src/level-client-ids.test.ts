import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClientIdStoreConformance } from '@dungeon-lab/store/conformance';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';
import { clientIdPrefix, counterKey, encodeCounter, LevelClientIds, ownerKey } from './level-client-ids.ts';
import { hex, levelTestDir, runOnLevel, text } from './level-test-dir.fixture.ts';

runOnLevel(runClientIdStoreConformance, 'dl-store-level-client-ids-');

describe('level client ids', () => {
  const { open, raw } = levelTestDir('dl-store-level-client-ids-');

  it('[LC1] the keys on disk are exactly the documented layout', async () => {
    const store = await open();
    expect(await store.leaseClientId('d', 'alice')).toBe(1);
    expect(await store.leaseClientId('d', '')).toBe(2);
    await store.appendUpdates('d', [Uint8Array.of(0xaa)]);

    const entries: [string, string][] = [];
    await raw(async (db) => {
      for (const [key, value] of await db.iterator({ gte: Uint8Array.of(0x06) }).all()) entries.push([hex(key), hex(value)]);
    });
    const prefix = `06${'00000001'}${text('d')}`;
    expect(entries).toEqual([
      [`${prefix}01`, '0000000000000002'],
      [`${prefix}02${'0000000000000001'}`, text('alice')],
      [`${prefix}02${'0000000000000002'}`, ''],
    ]);
  });

  it('[LC1] leases waiting for one document go to disk in one batch, ids in call order', async () => {
    await withRawDb(async (db) => {
      const batches: number[] = [];
      const writes = new (class extends GroupCommit {
        override write(ops: Parameters<GroupCommit['write']>[0]): Promise<void> {
          batches.push(ops.length);
          return super.write(ops);
        }
      })(db, { sync: false });
      const ids = new LevelClientIds(db, writes, () => undefined);
      const owners = ['a', 'b', 'c', 'd'];
      expect(await Promise.all(owners.map((owner) => ids.leaseClientId('room', owner)))).toEqual([1, 2, 3, 4]);
      // One batch: the counter and four owners.
      expect(batches).toEqual([5]);
      for (const [i, owner] of owners.entries()) expect(await ids.clientIdOwner('room', i + 1)).toBe(owner);
      // Leases arriving while a batch is being written wait together for the next one.
      const first = ids.leaseClientId('room', 'e');
      await new Promise((resolve) => setImmediate(resolve));
      const more = await Promise.all([first, ...['f', 'g', 'h'].map((owner) => ids.leaseClientId('room', owner))]);
      expect(more).toEqual([5, 6, 7, 8]);
      expect(batches).toEqual([5, 2, 4]);
    });
  });

  it('[LC1] document names and owners that are not well-formed Unicode are refused with a TypeError', async () => {
    const store = await open();
    await expect(store.leaseClientId('\ud800', 'o')).rejects.toBeInstanceOf(TypeError);
    await expect(store.leaseClientId('room', 'a\udfff')).rejects.toBeInstanceOf(TypeError);
    await expect(store.clientIdOwner('\udc00', 1)).rejects.toBeInstanceOf(TypeError);
    await expect(store.clientIdOwner('room', '1' as unknown as number)).rejects.toBeInstanceOf(TypeError);
    expect(await store.leaseClientId('room', 'o')).toBe(1);
  });

  it('[LC1] an unreadable counter makes the lease reject instead of counting from 1 again', async () => {
    const store = await open();
    await store.leaseClientId('room', 'alice');
    await store.leaseClientId('zero', 'alice');
    await raw(async (db) => {
      await db.put(counterKey(clientIdPrefix('room')), Uint8Array.of(0, 1));
      await db.put(counterKey(clientIdPrefix('zero')), encodeCounter(0).fill(0));
    });
    const reopened = await open();
    await expect(reopened.leaseClientId('room', 'mallory')).rejects.toThrow(/counter of document "room" is unreadable/);
    await expect(reopened.leaseClientId('zero', 'mallory')).rejects.toThrow(/counter of document "zero" is unreadable/);
    expect(await reopened.clientIdOwner('room', 1)).toBe('alice');
    // Other documents are unaffected.
    expect(await reopened.leaseClientId('other', 'bob')).toBe(1);
  });

  it('[LC1] an owner that is not UTF-8 makes the read reject', async () => {
    const store = await open();
    await store.leaseClientId('room', 'alice');
    await raw(async (db) => {
      await db.put(ownerKey(clientIdPrefix('room'), 1), Uint8Array.of(0xff, 0xfe));
    });
    const reopened = await open();
    await expect(reopened.clientIdOwner('room', 1)).rejects.toThrow(/owner of client id 1 of document "room" is unreadable/);
  });

  it('[LC1] counters dropped from the bounded cache are read back from disk and continue', async () => {
    await withRawDb(async (db) => {
      const writes = new GroupCommit(db, { sync: false });
      const ids = new LevelClientIds(db, writes, () => undefined, 2);
      const docs = ['a', 'b', 'c', 'd', 'e'];
      const next = new Map(docs.map((doc) => [doc, 1]));
      const take = (doc: string): number => {
        const id = next.get(doc) ?? 1;
        next.set(doc, id + 1);
        return id;
      };
      // Five documents through a cache of two: almost every lease misses and reads its counter back.
      for (let round = 0; round < 3; round++) {
        for (const doc of docs) expect(await ids.leaseClientId(doc, `${doc}-${round}`)).toBe(take(doc));
        const both = await Promise.all(docs.flatMap((doc) => [ids.leaseClientId(doc, 'x'), ids.leaseClientId(doc, 'y')]));
        expect(both).toEqual(docs.flatMap((doc) => [take(doc), take(doc)]));
      }
      for (const doc of docs) expect(await ids.clientIdOwner(doc, 7)).toBe(`${doc}-2`);
    });
  });
});

/** A bare LevelDB in a fresh temp dir, for driving LevelClientIds without a store around it. */
async function withRawDb(use: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dl-store-level-client-ids-'));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dataDir, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    await db.open();
    await use(db);
  } finally {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
