import { createLevelStore } from '@dungeon-lab/store-level';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { allSaved, connectProvider, type ServerProcess, spawnServerProcess, synced, tempDir, waitFor } from './helpers.ts';
import { createSessionViaApi } from './test-identity.ts';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serverOn(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const proc = await spawnServerProcess({ DATA_DIR: dataDir, ...env });
  cleanups.push(() => proc.kill());
  return proc;
}

// Session tables take only what the write rules allow ([W4]): the writer, the session's GM, places tokens.
function readAll(doc: Y.Doc): Record<string, unknown> {
  return doc.getMap('tokens').toJSON();
}

describe('durability', () => {
  it('[P6] every edit confirmed by `saved` survives SIGKILL and restart', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await serverOn(dir.path);
    const room = `sessions/${await createSessionViaApi(first.url)}/table`;
    const writer = connectProvider(first.wsUrl, room, new Y.Doc(), { sidecar: true });
    cleanups.push(() => writer.destroy());
    await synced(writer);
    for (let i = 0; i < 200; i++) {
      writer.doc.getMap('tokens').set(`m${i}`, { x: i, y: i * 2 });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => allSaved(writer), 10_000, 'saved covering every edit');
    const confirmed = readAll(writer.doc);
    await first.kill('SIGKILL');
    writer.destroy();

    const second = await serverOn(dir.path);
    const reader = connectProvider(second.wsUrl, room);
    cleanups.push(() => reader.destroy());
    await synced(reader);
    expect(readAll(reader.doc)).toEqual(confirmed);
    expect(Object.keys(confirmed)).toHaveLength(200);
  });

  it('[P6] `saved` never runs ahead of the store: the saved state vector only covers stored edits', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await serverOn(dir.path);
    const writer = connectProvider(first.wsUrl, 'r', new Y.Doc(), { sidecar: true });
    cleanups.push(() => writer.destroy());
    await synced(writer);
    // Edit continuously; kill at an arbitrary moment; whatever `saved` had covered must be on disk.
    let i = 0;
    const timer = setInterval(() => writer.doc.getMap('tokens').set(`m${i++}`, i), 1);
    await waitFor(() => (writer.saved.get(writer.doc.clientID) ?? 0) > 100, 10_000, 'some saved edits');
    const savedClock = writer.saved.get(writer.doc.clientID)!;
    await first.kill('SIGKILL');
    clearInterval(timer);
    writer.destroy();

    const store = await createLevelStore({ dataDir: dir.path });
    const rows = await store.loadDoc('r');
    await store.close();
    const restored = new Y.Doc();
    for (const row of rows.rows) Y.applyUpdate(restored, row.data);
    const stored = Y.decodeStateVector(Y.encodeStateVector(restored)).get(writer.doc.clientID) ?? 0;
    expect(stored).toBeGreaterThanOrEqual(savedClock);
  });

  it('[P8] a SIGKILL between the two compaction steps loses nothing, and the next compaction cleans up', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await serverOn(dir.path, { COMPACT_AFTER_UPDATES: '20', PAUSE_AFTER_SNAPSHOT: '1' });
    const room = `sessions/${await createSessionViaApi(first.url)}/table`;
    const writer = connectProvider(first.wsUrl, room, new Y.Doc(), { sidecar: true });
    cleanups.push(() => writer.destroy());
    await synced(writer);
    for (let i = 0; i < 60; i++) {
      writer.doc.getMap('tokens').set(`m${i}`, i);
      await new Promise((r) => setTimeout(r, 2));
    }
    await first.waitForLine((l) => l === `snapshot-written ${room}`);
    await waitFor(() => allSaved(writer), 10_000, 'all saved');
    const confirmed = readAll(writer.doc);
    await first.kill('SIGKILL');
    writer.destroy();

    const inspect = await createLevelStore({ dataDir: dir.path });
    const afterCrash = await inspect.loadDoc(room);
    await inspect.close();
    // The snapshot and the rows it was meant to replace are both there.
    expect(afterCrash.rows.some((r) => r.kind === 'snapshot')).toBe(true);
    expect(afterCrash.rows.filter((r) => r.kind === 'update').length).toBeGreaterThanOrEqual(20);

    const second = await serverOn(dir.path, { COMPACT_AFTER_UPDATES: '20' });
    const next = connectProvider(second.wsUrl, room, new Y.Doc(), { sidecar: true });
    cleanups.push(() => next.destroy());
    await synced(next);
    expect(readAll(next.doc)).toEqual(confirmed);
    for (let i = 60; i < 90; i++) {
      next.doc.getMap('tokens').set(`m${i}`, i);
      await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(() => allSaved(next), 10_000, 'all saved after restart');
    await second.kill('SIGTERM');
    next.destroy();

    const check = await createLevelStore({ dataDir: dir.path });
    const compacted = await check.loadDoc(room);
    await check.close();
    expect(compacted.rows.length).toBeLessThan(20);
    const doc = new Y.Doc();
    for (const row of compacted.rows) Y.applyUpdate(doc, row.data);
    expect(Object.keys(readAll(doc))).toHaveLength(90);
  });
});
