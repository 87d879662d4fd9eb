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
});
