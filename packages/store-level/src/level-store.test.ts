import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@dungeon-lab/store';
import { runDocStoreConformance } from '@dungeon-lab/store/conformance';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { docPrefix, rowKey } from './key-layout.ts';
import { createLevelStore, DataDirLockedError } from './level-store.ts';

for (const sync of [true, false]) {
  runDocStoreConformance(`level (sync: ${sync})`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dl-store-level-'));
    return {
      open: () => createLevelStore({ dataDir, sync }),
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  });
}

describe('level store', () => {
  let dataDir: string;
  const opened: Store[] = [];

  const open = async (): Promise<Store> => {
    const store = await createLevelStore({ dataDir });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dl-store-level-'));
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('[L2] ids written after a reopen sort after the ids written before it', async () => {
    const first = await open();
    const before = await first.appendUpdates('room', [Uint8Array.of(1), Uint8Array.of(2)]);
    before.push(await first.writeSnapshot('room', Uint8Array.of(3)));
    await first.close();

    const second = await open();
    const after = await second.appendUpdates('room', [Uint8Array.of(4)]);
    expect([...before, ...after].sort()).toEqual([...before, ...after]);
    expect((await second.loadDoc('room')).rows.map((r) => r.id)).toEqual([...before, ...after]);
  });

  it('[L3] a second store cannot open the same dataDir while the first is open', async () => {
    const first = await open();
    const attempt = createLevelStore({ dataDir });
    await expect(attempt).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(attempt).rejects.toThrow(`${dataDir} is already open by another store or process`);

    await first.appendUpdates('room', [Uint8Array.of(1)]);
    await first.close();
    const second = await open();
    expect((await second.loadDoc('room')).rows).toHaveLength(1);
  });

  it('[L3] a dataDir that cannot be a database fails to open with an error naming it', async () => {
    const file = join(dataDir, 'not-a-dir');
    await writeFile(file, 'x');
    await expect(createLevelStore({ dataDir: file })).rejects.toThrow(`cannot open ${file}`);
  });

  it('[L4][S2] a row with an unknown kind byte makes loadDoc reject instead of dropping it', async () => {
    const store = await open();
    await store.appendUpdates('room', [Uint8Array.of(1)]);
    await store.appendUpdates('other', [Uint8Array.of(2)]);
    await store.close();

    const raw = new ClassicLevel<Uint8Array, Uint8Array>(dataDir, { keyEncoding: 'view', valueEncoding: 'view' });
    await raw.put(rowKey(docPrefix('room'), 'ffffffffffff-ffffffff-ffffffffffff'), Uint8Array.of(0x78, 9));
    await raw.close();

    const reopened = await open();
    await expect(reopened.loadDoc('room')).rejects.toThrow(
      /row ffffffffffff-ffffffff-ffffffffffff of document "room" is unreadable/,
    );
    expect((await reopened.loadDoc('other')).rows).toHaveLength(1);
  });

  it('reports LevelDB\'s own memory: what its memtable holds of unflushed writes, and nothing once closed', async () => {
    const store = await createLevelStore({ dataDir });
    const empty = store.leveldbMemoryBytes();
    await store.appendUpdates('room', [randomBytes(1024 * 1024)]);
    expect(store.leveldbMemoryBytes()).toBeGreaterThanOrEqual(empty + 1024 * 1024);
    await store.close();
    expect(() => store.leveldbMemoryBytes()).toThrow();
  });

  /** Table files of this test's store that the process has mapped now (/proc/self/smaps). */
  const mappedTables = (): number => {
    const mapped = new Set<string>();
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const path = line.split(/\s+/)[5];
      if (path?.startsWith(dataDir) && path.endsWith('.ldb')) mapped.add(path);
    }
    return mapped.size;
  };

  it('[L10] the table files mapped at once stay near maxOpenFiles − 10, however many the reads touch', async () => {
    // 5,000 rooms of 40 KB of random bytes (snappy cannot shrink them), written in no key order as rooms
    // with random ids are, so that LevelDB merges them into tables of 2 MB: about 95.
    const writer = await createLevelStore({ dataDir, sync: false });
    const rooms = Array.from({ length: 5_000 }, (_, i) => createHash('sha256').update(`room-${i}`).digest('hex').slice(0, 12));
    for (let i = 0; i < rooms.length; i += 100) {
      await Promise.all(rooms.slice(i, i + 100).map((room) => writer.writeSnapshot(room, randomBytes(40 * 1024))));
    }
    await writer.close();
    expect(readdirSync(dataDir).filter((name) => name.endsWith('.ldb')).length).toBeGreaterThan(64);

    const readAll = async (maxOpenFiles: number): Promise<number> => {
      const store = await createLevelStore({ dataDir, maxOpenFiles });
      let most = 0;
      for (const [i, room] of rooms.entries()) {
        expect((await store.loadDoc(room)).rows).toHaveLength(1);
        if (i % 250 === 0) most = Math.max(most, mappedTables());
      }
      most = Math.max(most, mappedTables());
      await store.close();
      return most;
    };
    // LevelDB's own floor, 74: a cache of 64 tables, and the few a read or a compaction running meanwhile still holds.
    const limited = await readAll(74);
    expect(limited).toBeLessThanOrEqual(64 + 8);
    // The same reads with LevelDB's default keep every table they touched: what the limit prevents.
    const unlimited = await readAll(1_000);
    console.log(`[L10] tables mapped at most: ${limited} with maxOpenFiles 74, ${unlimited} with 1000`);
    expect(unlimited).toBeGreaterThan(64 + 16);
    expect(mappedTables()).toBe(0);
  }, 60_000);
});
