import { createLevelStore } from '@dungeon-lab/store-level';
import type { Store } from '@dungeon-lab/store';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createServer, type DungeonLabServer } from '../src/index.ts';
import { withFaults } from './faulty-store.ts';
import { allSaved, connectProvider, startServer, synced, tempDir, waitFor } from './helpers.ts';
import { TEST_AUTH } from './test-identity.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function seed(dataDir: string, room: string, entries: number): Promise<Record<string, unknown>> {
  const running = await startServer({ dataDir });
  const p = connectProvider(running.wsUrl, room, new Y.Doc(), { sidecar: true });
  await synced(p);
  for (let i = 0; i < entries; i++) p.doc.getMap('tokens').set(`t${i}`, { x: i });
  await waitFor(() => allSaved(p), 10_000, 'seed saved');
  const content = p.doc.getMap('tokens').toJSON();
  p.destroy();
  await running.stop();
  return content;
}

async function serve(store: Store, opts: Parameters<typeof createServer>[0] extends infer O ? Partial<O> : never = {}): Promise<DungeonLabServer> {
  const server = createServer({ auth: TEST_AUTH, openRooms: true, ...opts, store });
  await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.close());
  return server;
}

describe('room lifecycle', () => {
  it('[P5] a client connecting while the room loads never sees an empty doc', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const content = await seed(dir.path, 'slow', 50);
    const store = await createLevelStore({ dataDir: dir.path });
    cleanups.push(() => store.close());
    const server = await serve(withFaults(store, { loadDelayMs: 400 }));
    const doc = new Y.Doc();
    const sizesWhenSynced: number[] = [];
    const p = connectProvider(server.url.replace('http', 'ws'), 'slow', doc);
    cleanups.push(() => p.destroy());
    p.on('sync', (isSynced: boolean) => {
      if (isSynced) sizesWhenSynced.push(doc.getMap('tokens').size);
    });
    await new Promise((r) => setTimeout(r, 200));
    // Still loading: the socket has not even opened.
    expect(p.wsconnected).toBe(false);
    await synced(p);
    expect(sizesWhenSynced[0]).toBe(50);
    expect(doc.getMap('tokens').toJSON()).toEqual(content);
  });

  it('[P5] if loading fails the connection is refused (never an empty doc) and a later attempt loads it', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const content = await seed(dir.path, 'flaky', 20);
    const store = await createLevelStore({ dataDir: dir.path });
    cleanups.push(() => store.close());
    const faulty = withFaults(store, { failLoads: 2, room: 'flaky' });
    const server = await serve(faulty);
    const doc = new Y.Doc();
    let syncedEmpty = false;
    const p = connectProvider(server.url.replace('http', 'ws'), 'flaky', doc);
    cleanups.push(() => p.destroy());
    p.on('sync', (isSynced: boolean) => {
      if (isSynced && doc.getMap('tokens').size === 0) syncedEmpty = true;
    });
    await synced(p, 15_000);
    expect(faulty.loadCalls).toBeGreaterThanOrEqual(3);
    expect(syncedEmpty).toBe(false);
    expect(doc.getMap('tokens').toJSON()).toEqual(content);
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('[P9] an idle room is flushed, compacted to one row and evicted after the last client leaves', async () => {
    const running = await startServer({ evictAfterMs: 100 });
    cleanups.push(() => running.dispose());
    const p = connectProvider(running.wsUrl, 'evict-me', new Y.Doc(), { sidecar: true });
    await synced(p);
    for (let i = 0; i < 30; i++) p.doc.getArray('log').push([`line ${i}`]);
    expect(running.server.metrics().rooms).toBe(1);
    p.destroy();
    await waitFor(() => running.server.metrics().rooms === 0, 5_000, 'eviction');
    const rows = await running.store.loadDoc('evict-me');
    expect(rows.rows).toHaveLength(1);
    const again = connectProvider(running.wsUrl, 'evict-me');
    cleanups.push(() => again.destroy());
    await synced(again);
    expect(again.doc.getArray('log').length).toBe(30);
  });

  it('[P9] rooms left at the same moment are evicted a few at a time, and every one is compacted', async () => {
    let writing = 0;
    let mostAtOnce = 0;
    const running = await startServer({
      evictAfterMs: 50,
      wrapStore: (store) => ({
        ...withFaults(store, {}),
        async writeSnapshot(name: string, snapshot: Uint8Array) {
          writing++;
          mostAtOnce = Math.max(mostAtOnce, writing);
          try {
            await new Promise((r) => setTimeout(r, 30));
            return await store.writeSnapshot(name, snapshot);
          } finally {
            writing--;
          }
        },
      }),
    });
    cleanups.push(() => running.dispose());
    const names = Array.from({ length: 16 }, (_, i) => `crowd-${i}`);
    const providers = names.map((name) => connectProvider(running.wsUrl, name, new Y.Doc(), { sidecar: true }));
    await Promise.all(providers.map((p) => synced(p)));
    for (const p of providers) for (let i = 0; i < 3; i++) p.doc.getArray('log').push([`line ${i}`]);
    await waitFor(() => providers.every((p) => allSaved(p)), 10_000, 'all saved');
    for (const p of providers) p.destroy();
    await waitFor(() => running.server.metrics().rooms === 0, 10_000, 'every room evicted');
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(4);
    for (const name of names) {
      const stored = await running.store.loadDoc(name);
      expect(stored.rows).toHaveLength(1);
    }
  });

  it('[P9] a room that gets a new client before its eviction delay ends stays loaded', async () => {
    const running = await startServer({ evictAfterMs: 300 });
    cleanups.push(() => running.dispose());
    const a = connectProvider(running.wsUrl, 'stay');
    await synced(a);
    a.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const b = connectProvider(running.wsUrl, 'stay');
    cleanups.push(() => b.destroy());
    await synced(b);
    await new Promise((r) => setTimeout(r, 500));
    expect(running.server.metrics().rooms).toBe(1);
  });

  it('[P9] close() flushes updates still waiting for their write', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const store = await createLevelStore({ dataDir: dir.path });
    const server = createServer({ store, auth: TEST_AUTH, openRooms: true });
    await server.listen(0, '127.0.0.1');
    const p = connectProvider(server.url.replace('http', 'ws'), 'flush', new Y.Doc());
    await synced(p);
    const sentinel = new Y.Doc();
    sentinel.getMap('m').set('last', 'written');
    p.doc.getMap('m').set('first', 1);
    for (let i = 0; i < 100; i++) p.doc.getMap('m').set(`k${i}`, i);
    // Wait until the server has applied the edits (it echoes them back), then close at once.
    const probe = connectProvider(server.url.replace('http', 'ws'), 'flush');
    await synced(probe);
    await waitFor(() => probe.doc.getMap('m').size === 101, 5_000, 'edits applied');
    p.destroy();
    probe.destroy();
    await server.close();
    await store.close();
    const reopened = await createLevelStore({ dataDir: dir.path });
    const loaded = await reopened.loadDoc('flush');
    await reopened.close();
    const doc = new Y.Doc();
    for (const row of loaded.rows) Y.applyUpdate(doc, row.data);
    expect(doc.getMap('m').size).toBe(101);
  });

  it('[P8] rooms compact after N updates while clients keep editing', async () => {
    const running = await startServer({ compaction: { afterUpdates: 25, afterBytes: 1 << 30 } });
    cleanups.push(() => running.dispose());
    const p = connectProvider(running.wsUrl, 'compact', new Y.Doc(), { sidecar: true });
    cleanups.push(() => p.destroy());
    await synced(p);
    for (let i = 0; i < 200; i++) {
      p.doc.getMap('m').set(`k${i % 10}`, i);
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => allSaved(p), 10_000, 'all saved');
    await new Promise((r) => setTimeout(r, 100));
    const rows = await running.store.loadDoc('compact');
    expect(rows.rows.length).toBeLessThan(60);
    expect(rows.rows.some((r) => r.kind === 'snapshot')).toBe(true);
    const doc = new Y.Doc();
    for (const row of rows.rows) Y.applyUpdate(doc, row.data);
    expect(doc.getMap('m').toJSON()).toEqual(p.doc.getMap('m').toJSON());
  });
});

/** A server that counts the compaction snapshots it writes, and one synced client in `room`. */
async function countingCompactions(compaction: { afterUpdates: number; afterBytes: number }, room: string) {
  let snapshots = 0;
  const running = await startServer({
    compaction,
    onCompactionSnapshotWritten: () => {
      snapshots++;
    },
  });
  cleanups.push(() => running.dispose());
  const p = connectProvider(running.wsUrl, room, new Y.Doc(), { sidecar: true });
  cleanups.push(() => p.destroy());
  await synced(p);
  return {
    p,
    snapshots: () => snapshots,
    /** Makes `count` edits, each saved before the next, then gives a compaction they started time to finish. */
    async edits(count: number, edit: (i: number) => void): Promise<void> {
      for (let i = 0; i < count; i++) {
        edit(i);
        await waitFor(() => allSaved(p), 10_000, 'saved');
      }
      await new Promise((r) => setTimeout(r, 50));
    },
    /** The document as the store's rows rebuild it. */
    async stored(): Promise<Y.Doc> {
      const doc = new Y.Doc();
      for (const row of (await running.store.loadDoc(room)).rows) Y.applyUpdate(doc, row.data);
      return doc;
    },
  };
}

describe('compaction of a large document', () => {
  it('[P8] its snapshot is rewritten only once the edits since weigh as much as the snapshot', async () => {
    const room = await countingCompactions({ afterUpdates: 10_000, afterBytes: 16 * 1024 }, 'big-campaign');
    const text = room.p.doc.getText('notes');
    const edit = (count: number, bytes: number) => room.edits(count, () => text.insert(text.length, 'n'.repeat(bytes)));
    await edit(2, 100 * 1024);
    expect(room.snapshots()).toBe(1);
    // 80 KB of edits on a ~200 KB snapshot: rewriting it now would write 200 KB to save 80.
    await edit(20, 4 * 1024);
    expect(room.snapshots()).toBe(1);
    await edit(40, 4 * 1024);
    expect(room.snapshots()).toBe(2);
    expect((await room.stored()).getText('notes').length).toBe(text.length);
  });
});

describe('compaction of a large document under small edits', () => {
  it('[P8] the row limit rewrites a large snapshot only once the rows weigh an eighth of it, or number 20 × the limit', async () => {
    const room = await countingCompactions({ afterUpdates: 5, afterBytes: 16 * 1024 }, 'campaign-in-play');
    const text = room.p.doc.getText('notes');
    await room.edits(2, () => text.insert(text.length, 'n'.repeat(100 * 1024)));
    expect(room.snapshots()).toBe(1);
    // Token moves of a few dozen bytes each: 50 rows, ten times the limit, weigh about 1.5 KB of a ~200 KB snapshot.
    const token = room.p.doc.getMap('token');
    const move = (count: number) => room.edits(count, (i) => token.set('x', i));
    await move(50);
    expect(room.snapshots()).toBe(1);
    // At 20 × the limit (100 rows) the snapshot is rewritten anyway.
    await move(55);
    expect(room.snapshots()).toBe(2);
    // Notes of 4 KB: five rows (the limit) weigh 20 KB, under an eighth of the ~200 KB snapshot; seven weigh 28 KB.
    const note = (count: number) => room.edits(count, () => text.insert(text.length, 'm'.repeat(4 * 1024)));
    await note(5);
    expect(room.snapshots()).toBe(2);
    await note(2);
    expect(room.snapshots()).toBe(3);
    const doc = await room.stored();
    expect(doc.getText('notes').length).toBe(text.length);
    expect(doc.getMap('token').get('x')).toBe(54);
  });
});

describe('compaction of a single large row', () => {
  it('[P8] a room stored as one row over the byte threshold is left alone (no compaction loop)', async () => {
    const running = await startServer({ compaction: { afterUpdates: 1000, afterBytes: 64 * 1024 } });
    cleanups.push(() => running.dispose());
    const p = connectProvider(running.wsUrl, 'one-big-row', new Y.Doc(), { sidecar: true });
    cleanups.push(() => p.destroy());
    await synced(p);
    p.doc.getText('t').insert(0, 'x'.repeat(200 * 1024));
    await waitFor(() => allSaved(p), 10_000, 'saved');
    const cpuBefore = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 300));
    const spent = process.cpuUsage(cpuBefore);
    // An idle server: a spinning compactor would burn most of these 300 ms.
    expect((spent.user + spent.system) / 1000).toBeLessThan(150);
    expect((await running.store.loadDoc('one-big-row')).rows).toHaveLength(1);
  });
});
