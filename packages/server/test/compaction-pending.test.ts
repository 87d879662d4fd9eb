import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectProvider, startServer, synced, tempDir, waitFor } from './helpers.ts';
import { createLevelStore } from '@dungeon-lab/store-level';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('[P8] compaction and rows the doc could not integrate', () => {
  it('[P8] a room loaded from rows whose dependencies are not stored yet (another process still to write them) never deletes those rows', async () => {
    // Found by the fault test (apps/server/test/faults.test.ts): a process restarted after a SIGKILL loaded a room while
    // another process's write was still missing, compacted, and its snapshot — the integrated state only — replaced
    // rows that held updates clients had been told were saved.
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const room = 'open/behind';
    // X writes `first`; Y pushes after it. Only Y's update is stored: X's process has not written yet.
    const x = new Y.Doc();
    x.getArray('moves').push(['first']);
    const y = new Y.Doc();
    Y.applyUpdate(y, Y.encodeStateAsUpdate(x));
    const before = Y.encodeStateVector(y);
    y.getArray('moves').push(['after first']);
    const yOnly = Y.encodeStateAsUpdate(y, before);
    const seed = await createLevelStore({ dataDir: dir.path });
    await seed.appendUpdates(room, [yOnly]);
    await seed.close();

    const running = await startServer({ dataDir: dir.path, compaction: { afterUpdates: 5 } });
    cleanups.push(() => running.stop());
    const writer = connectProvider(running.wsUrl, room, new Y.Doc(), { sidecar: true });
    cleanups.push(() => writer.destroy());
    await synced(writer);
    // Enough rows of its own for a compaction, were it allowed one.
    for (let i = 0; i < 20; i++) {
      writer.doc.getMap('tokens').set(`t${i}`, i);
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => (writer.saved.get(writer.doc.clientID) ?? 0) >= 20, 10_000, 'the writes saved');
    await running.stop();

    // X's write lands at last: a load now has Y's push too, because its row was kept.
    const check = await createLevelStore({ dataDir: dir.path });
    await check.appendUpdates(room, [Y.encodeStateAsUpdate(x)]);
    const loaded = new Y.Doc();
    for (const row of (await check.loadDoc(room)).rows) Y.applyUpdate(loaded, row.data);
    await check.close();
    expect(loaded.getArray('moves').toArray()).toEqual(['first', 'after first']);
    expect(Object.keys(loaded.getMap('tokens').toJSON())).toHaveLength(20);
  });
});
