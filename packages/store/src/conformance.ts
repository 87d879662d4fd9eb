/**
 * The conformance suites every storage backend runs. Rule IDs are defined in
 * docs/storage.md: [S1]..[S12] here for documents, [S14]..[S27] in
 * event-log-conformance.ts for event logs, [SM1]..[SM12] in session-conformance.ts
 * for sessions, members and secrets, [AU1]..[AU8] in audit-conformance.ts for
 * audit logs, [CI1]..[CI5] in client-id-conformance.ts for client-id leases,
 * [AS1]..[AS7] in asset-conformance.ts for assets. [S13], [S28] and [AS8]
 * (kill -9) need a real child process and are proved by each backend's own
 * tests.
 *
 * They are black-box on purpose: only the store interfaces are used, so a
 * backend that passes here can replace another without the server noticing.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import * as Y from 'yjs';
import { bytes, type ConformanceTarget, digest, expectBytes, freshTargetPerTest, type Harness, type SuiteOptions, suiteTest } from './conformance-harness.ts';
import { runAssetStoreConformance } from './asset-conformance.ts';
import { runAuditStoreConformance } from './audit-conformance.ts';
import { runClientIdStoreConformance } from './client-id-conformance.ts';
import { runEventLogConformance } from './event-log-conformance.ts';
import { runFenceConformance } from './fence-conformance.ts';
import { runSessionStoreConformance } from './session-conformance.ts';
import type { DocStore, RowId, Store, StoredDoc, StoredRow } from './store.ts';

export type { Closable, ConformanceTarget, SuiteOptions } from './conformance-harness.ts';
export { suiteTest } from './conformance-harness.ts';
export { runEventLogConformance } from './event-log-conformance.ts';
export { runFenceConformance } from './fence-conformance.ts';
export { runSessionStoreConformance } from './session-conformance.ts';
export { runAuditStoreConformance } from './audit-conformance.ts';
export { runClientIdStoreConformance } from './client-id-conformance.ts';
export { runAssetStoreConformance } from './asset-conformance.ts';

/** Every suite on one backend whose target opens a full `Store`. */
export function runStoreConformance(backendName: string, createTarget: () => Promise<ConformanceTarget<Store>>, options: SuiteOptions = {}): void {
  runDocStoreConformance(backendName, createTarget, options);
  runEventLogConformance(backendName, createTarget, options);
  runFenceConformance(backendName, createTarget, options);
  runSessionStoreConformance(backendName, createTarget, options);
  runAuditStoreConformance(backendName, createTarget, options);
  runClientIdStoreConformance(backendName, createTarget, options);
  runAssetStoreConformance(backendName, createTarget, options);
}

const LARGE_TEST_TIMEOUT_MS = 60_000;

/** Registers the conformance `describe` block; `createTarget` is called once per test. */
export function runDocStoreConformance(
  backendName: string,
  createTarget: () => Promise<ConformanceTarget>,
  options: SuiteOptions = {},
): void {
  describe(`DocStore conformance: ${backendName}`, () => {
    const it = suiteTest(options);
    let h: Harness<DocStore>;
    let store: DocStore;

    freshTargetPerTest(createTarget, (harness, opened) => {
      h = harness;
      store = opened;
    });

    it('[S1] a never-written document loads as zero rows', async () => {
      expect((await store.loadDoc('never-written')).rows).toEqual([]);
      await store.appendUpdates('written', [bytes(1, 2, 3)]);
      expect((await store.loadDoc('never-written')).rows).toEqual([]);
      expect((await store.loadDoc('written-but-longer')).rows).toEqual([]);
      expect((await store.loadDoc('writte')).rows).toEqual([]);
    });

    it('[S2] loadDoc rejects, never resolves empty, once the store is closed', async () => {
      await store.appendUpdates('room', [bytes(1), bytes(2)]);
      await h.close(store);
      await expect(store.loadDoc('room')).rejects.toBeInstanceOf(Error);
      await expect(store.loadDoc('never-written')).rejects.toBeInstanceOf(Error);
    });

    it('[S3] appendUpdates stores each update byte-exact as an update row, ids in input order', async () => {
      const backing = randomBytes(64);
      const updates = [
        new Uint8Array(randomBytes(100)),
        new Uint8Array(0),
        new Uint8Array(256).map((_, i) => i),
        new Uint8Array(backing.buffer, backing.byteOffset + 7, 13),
        Buffer.from('a Buffer is a Uint8Array too'),
        bytes(0),
      ];
      const ids = await store.appendUpdates('room', updates);

      expect(ids).toHaveLength(updates.length);
      expect(new Set(ids).size).toBe(updates.length);
      for (const id of ids) expect(typeof id).toBe('string');

      const rows = rowsById(await store.loadDoc('room'));
      expect(rows.size).toBe(updates.length);
      ids.forEach((id, i) => {
        const row = rows.get(id);
        expect(row, `row for id ${id}`).toBeDefined();
        expect(row?.kind).toBe('update');
        expectBytes(row?.data, updates[i]);
      });
    });

    it('[S3] appendUpdates of an empty list returns [] and writes nothing', async () => {
      expect(await store.appendUpdates('room', [])).toEqual([]);
      expect((await store.loadDoc('room')).rows).toEqual([]);

      const ids = await store.appendUpdates('room', [bytes(1)]);
      expect(await store.appendUpdates('room', [])).toEqual([]);
      expect((await store.loadDoc('room')).rows.map((r) => r.id)).toEqual(ids);
    });

    it('[S3] rows of real Yjs updates replay into an equal document', async () => {
      const editor = new TwoClientEditor(1);
      for (let round = 0; round < 10; round++) {
        await store.appendUpdates('room', editor.edit(12));
      }

      const loaded = await store.loadDoc('room');
      expect(loaded.rows.every((r) => r.kind === 'update')).toBe(true);
      expectSameDoc(replay(loaded.rows), editor.doc);
    });

    it('[S3] stored bytes do not change when the caller mutates its input or a loaded row', async () => {
      const update = bytes(1, 2, 3, 4);
      const snapshot = bytes(5, 6, 7);
      const [updateId] = await store.appendUpdates('room', [update]);
      const snapshotId = await store.writeSnapshot('room', snapshot);
      update.fill(9);
      snapshot.fill(9);

      const first = rowsById(await store.loadDoc('room'));
      expectBytes(first.get(updateId as RowId)?.data, bytes(1, 2, 3, 4));
      expectBytes(first.get(snapshotId)?.data, bytes(5, 6, 7));
      for (const row of first.values()) row.data.fill(7);

      const again = rowsById(await store.loadDoc('room'));
      expectBytes(again.get(updateId as RowId)?.data, bytes(1, 2, 3, 4));
      expectBytes(again.get(snapshotId)?.data, bytes(5, 6, 7));
    });

    it('[S4] writeSnapshot then deleteRows(merged ids) leaves the snapshot plus later rows', async () => {
      const editor = new TwoClientEditor(2);
      for (let i = 0; i < 5; i++) await store.appendUpdates('room', editor.edit(10));
      const before = await store.loadDoc('room');
      const merged = Y.encodeStateAsUpdate(replay(before.rows));

      const snapshotId = await store.writeSnapshot('room', merged);
      const later = await store.appendUpdates('room', editor.edit(10));
      await store.deleteRows('room', before.rows.map((r) => r.id));

      const after = await store.loadDoc('room');
      const rows = rowsById(after);
      expect(sorted(rows.keys())).toEqual(sorted([snapshotId, ...later]));
      expect(rows.get(snapshotId)?.kind).toBe('snapshot');
      expectBytes(rows.get(snapshotId)?.data, merged);
      for (const id of before.rows.map((r) => r.id)) expect(id).not.toBe(snapshotId);
      expectSameDoc(replay(after.rows), editor.doc);
    });

    it('[S4] rows appended while a compaction runs survive it', async () => {
      const editor = new TwoClientEditor(3);
      for (let i = 0; i < 10; i++) await store.appendUpdates('room', editor.edit(5));
      const before = await store.loadDoc('room');
      const merged = Y.encodeStateAsUpdate(replay(before.rows));

      const compaction = (async () => {
        await store.writeSnapshot('room', merged);
        await store.deleteRows('room', before.rows.map((r) => r.id));
      })();
      const concurrent: Promise<RowId[]>[] = [];
      for (let i = 0; i < 20; i++) concurrent.push(store.appendUpdates('room', editor.edit(2)));
      const [, ...appended] = await Promise.all([compaction, ...concurrent]);

      const rows = rowsById(await store.loadDoc('room'));
      for (const id of appended.flat()) expect(rows.has(id), `appended row ${id}`).toBe(true);
      for (const row of before.rows) expect(rows.has(row.id), `merged row ${row.id}`).toBe(false);
      expect([...rows.values()].filter((r) => r.kind === 'snapshot')).toHaveLength(1);
      expect(rows.size).toBe(appended.flat().length + 1);
      expectSameDoc(replay([...rows.values()]), editor.doc);
    });

    it('[S4] deleteRows deletes exactly the given ids; unknown ids are ignored, repeats harmless', async () => {
      const ids = await store.appendUpdates('room', [bytes(1), bytes(2), bytes(3), bytes(4)]);
      const snapshotId = await store.writeSnapshot('room', bytes(5));
      const [a, b, c, d] = ids as [RowId, RowId, RowId, RowId];

      await store.deleteRows('room', [b, d]);
      expect(sorted(rowsById(await store.loadDoc('room')).keys())).toEqual(sorted([a, c, snapshotId]));

      await store.deleteRows('room', [b, d, 'no-such-row', `${a}x`, a.slice(0, -1), '']);
      await store.deleteRows('room', []);
      const rows = rowsById(await store.loadDoc('room'));
      expect(sorted(rows.keys())).toEqual(sorted([a, c, snapshotId]));
      expectBytes(rows.get(a)?.data, bytes(1));
      expectBytes(rows.get(c)?.data, bytes(3));
      expectBytes(rows.get(snapshotId)?.data, bytes(5));

      await store.deleteRows('room', [snapshotId, a, c]);
      expect((await store.loadDoc('room')).rows).toEqual([]);
    });

    it('[S5] a concurrent reader sees every appendUpdates call whole or not at all', async () => {
      const calls = 30;
      const rowsPerCall = 20;
      let writing = true;
      const writer = (async () => {
        try {
          for (let call = 0; call < calls; call++) {
            const batch = Array.from({ length: rowsPerCall }, (_, i) => bytes(call, i, ...randomBytes(32)));
            await store.appendUpdates('room', batch);
          }
        } finally {
          writing = false;
        }
      })();

      let reads = 0;
      const seenSizes = new Set<number>();
      while (writing || reads === 0) {
        const rows = (await store.loadDoc('room')).rows;
        reads++;
        seenSizes.add(rows.length);
        const perCall = new Map<number, number>();
        for (const row of rows) {
          const call = row.data[0] ?? -1;
          perCall.set(call, (perCall.get(call) ?? 0) + 1);
        }
        for (const [call, count] of perCall) {
          expect(count, `rows of call ${call} visible in one read`).toBe(rowsPerCall);
        }
      }
      await writer;
      expect((await store.loadDoc('room')).rows).toHaveLength(calls * rowsPerCall);
      // Without a read between two calls this test would prove nothing.
      expect([...seenSizes].some((n) => n > 0 && n < calls * rowsPerCall), `sizes seen: ${[...seenSizes]}`).toBe(true);
    });

    it('[S5] an appendUpdates call that rejects leaves none of its rows', async () => {
      const invalid = 42 as unknown as Uint8Array;
      await expect(store.appendUpdates('room', [bytes(1), bytes(2), invalid])).rejects.toBeInstanceOf(Error);
      expect((await store.loadDoc('room')).rows).toEqual([]);

      await expect(store.appendUpdates('room', [bytes(3), null as unknown as Uint8Array])).rejects.toBeInstanceOf(
        Error,
      );
      expect((await store.loadDoc('room')).rows).toEqual([]);
    });

    it('[S6] resolved appends, snapshots and deletes survive close and reopen', async () => {
      const editor = new TwoClientEditor(4);
      const ids: RowId[] = [];
      for (let i = 0; i < 5; i++) ids.push(...(await store.appendUpdates('room', editor.edit(8))));
      await store.writeSnapshot('room', Y.encodeStateAsUpdate(editor.doc));
      await store.deleteRows('room', ids.slice(0, 10));
      await store.appendUpdates('other', [bytes(42)]);
      const before = await store.loadDoc('room');

      store = await h.reopen(store);
      const after = await store.loadDoc('room');
      expect(canonical(after)).toEqual(canonical(before));
      expectSameDoc(replay(after.rows), editor.doc);
      expect((await store.loadDoc('other')).rows).toHaveLength(1);

      store = await h.reopen(store);
      expect(canonical(await store.loadDoc('room'))).toEqual(canonical(before));
    });

    it('[S7] documents are isolated, including prefixes, separators, NUL, unicode and empty names', async () => {
      const names = [
        'a',
        'ab',
        'a/b',
        'a!b',
        'a:b',
        'a.b',
        'a%2Fb',
        'A',
        '',
        ' ',
        'a\u0000b',
        'a\u0000',
        '\u0000',
        'sessions/x',
        'sessions/x/table',
        'sessions/x/table/',
        'sessions/x/table/y',
        'Ünïcødé 🐉',
        'Unicode',
        '\u00e9',
        'e\u0301',
        'x'.repeat(500),
      ];
      expect(new Set(names).size).toBe(names.length);

      const written = new Map<string, { ids: RowId[]; data: Uint8Array[] }>();
      for (const [i, name] of names.entries()) {
        const data = [bytes(i, 0, ...randomBytes(8)), bytes(i, 1, ...randomBytes(8))];
        const ids = await store.appendUpdates(name, data);
        const snap = bytes(i, 2, ...randomBytes(8));
        ids.push(await store.writeSnapshot(name, snap));
        written.set(name, { ids, data: [...data, snap] });
      }

      const expectIntact = async (): Promise<void> => {
        for (const name of names) {
          const mine = written.get(name);
          const rows = rowsById(await store.loadDoc(name));
          expect(sorted(rows.keys()), `rows of ${JSON.stringify(name)}`).toEqual(sorted(mine?.ids ?? []));
          mine?.ids.forEach((id, i) => expectBytes(rows.get(id)?.data, mine.data[i]));
        }
      };
      await expectIntact();

      // Deleting another document's ids through this document must not touch them.
      const allIds = [...written.values()].flatMap((w) => w.ids);
      await store.deleteRows('a', allIds.filter((id) => !written.get('a')?.ids.includes(id)));
      await store.deleteRows('never-written', allIds);
      await expectIntact();

      await store.deleteRows('a', written.get('a')?.ids ?? []);
      written.set('a', { ids: [], data: [] });
      await expectIntact();

      store = await h.reopen(store);
      await expectIntact();
    });

    it('[S8] 300 concurrent appendUpdates across 3 documents all persist with unique ids', async () => {
      const docs = ['room-1', 'room-2', 'room-3'];
      const calls = Array.from({ length: 300 }, (_, i) => {
        const doc = docs[i % docs.length] as string;
        const data = Array.from({ length: 1 + (i % 3) }, () => new Uint8Array(randomBytes(16 + (i % 50))));
        return { doc, data };
      });
      const results = await Promise.all(calls.map((c) => store.appendUpdates(c.doc, c.data)));

      for (const doc of docs) {
        const rows = rowsById(await store.loadDoc(doc));
        const expected = calls.flatMap((c, i) =>
          c.doc === doc ? c.data.map((d, j) => [results[i]?.[j], d] as const) : [],
        );
        expect(rows.size).toBe(expected.length);
        expect(new Set(expected.map(([id]) => id)).size).toBe(expected.length);
        for (const [id, data] of expected) {
          expect(id).toBeDefined();
          expectBytes(rows.get(id as RowId)?.data, data);
        }
      }
    });

    it('[S8] concurrent snapshots, deletes and appends on one document do not interfere', async () => {
      const seed = await store.appendUpdates('room', [bytes(0), bytes(1), bytes(2)]);
      const ops: Promise<unknown>[] = [];
      const snapshots: Promise<RowId>[] = [];
      const appends: Promise<RowId[]>[] = [];
      for (let i = 0; i < 30; i++) {
        appends.push(store.appendUpdates('room', [bytes(10, i)]));
        snapshots.push(store.writeSnapshot('room', bytes(20, i)));
        if (i % 10 === 0) ops.push(store.deleteRows('room', seed));
      }
      await Promise.all([...ops, ...snapshots, ...appends]);

      const rows = rowsById(await store.loadDoc('room'));
      const expected = [...(await Promise.all(snapshots)), ...(await Promise.all(appends)).flat()];
      expect(new Set(expected).size).toBe(60);
      expect(sorted(rows.keys())).toEqual(sorted(expected));
    });

    it('[S9] row ids are never reused, not after deletion and not after reopen', async () => {
      const seen = new Set<RowId>();
      const track = (ids: readonly RowId[]): void => {
        for (const id of ids) {
          expect(seen.has(id), `id ${id} reused`).toBe(false);
          seen.add(id);
        }
      };
      for (let round = 0; round < 3; round++) {
        const ids = await store.appendUpdates('room', [bytes(round, 1), bytes(round, 2), bytes(round, 3)]);
        const snapshotId = await store.writeSnapshot('room', bytes(round, 4));
        track([...ids, snapshotId]);
        await store.deleteRows('room', [...ids, snapshotId]);
        expect((await store.loadDoc('room')).rows).toEqual([]);
        store = await h.reopen(store);
      }
      expect(seen.size).toBe(12);
    });

    it('[S10] a crash between writeSnapshot and deleteRows loses nothing; the next compaction cleans up', async () => {
      const editor = new TwoClientEditor(5);
      for (let i = 0; i < 8; i++) await store.appendUpdates('room', editor.edit(6));
      const merged = await store.loadDoc('room');
      const snapshotId = await store.writeSnapshot('room', Y.encodeStateAsUpdate(replay(merged.rows)));
      // "Crash": the process stops before deleteRows ever runs.
      store = await h.reopen(store);

      const recovered = await store.loadDoc('room');
      const ids = rowsById(recovered);
      expect(ids.has(snapshotId)).toBe(true);
      for (const row of merged.rows) expect(ids.has(row.id)).toBe(true);
      expect(ids.size).toBe(merged.rows.length + 1);
      expectSameDoc(replay(recovered.rows), editor.doc);
      // The snapshot applied after its own rows, and twice, changes nothing.
      const shuffled = [...recovered.rows].reverse();
      expectSameDoc(replay([...shuffled, ...shuffled]), editor.doc);

      await store.appendUpdates('room', editor.edit(6));
      const before = await store.loadDoc('room');
      const second = await store.writeSnapshot('room', Y.encodeStateAsUpdate(replay(before.rows)));
      await store.deleteRows('room', before.rows.map((r) => r.id));

      const after = await store.loadDoc('room');
      expect(after.rows.map((r) => [r.id, r.kind])).toEqual([[second, 'snapshot']]);
      expectSameDoc(replay(after.rows), editor.doc);
    });

    it(
      '[S11] a 10 MB snapshot and a 5 MB update round-trip byte-exact',
      async () => {
        const snapshot = new Uint8Array(randomBytes(10 * 1024 * 1024));
        const update = new Uint8Array(randomBytes(5 * 1024 * 1024));
        const snapshotId = await store.writeSnapshot('big', snapshot);
        const [updateId] = await store.appendUpdates('big', [update, bytes(1)]);

        const check = async (): Promise<void> => {
          const rows = rowsById(await store.loadDoc('big'));
          expect(rows.size).toBe(3);
          expectBytes(rows.get(snapshotId)?.data, snapshot);
          expectBytes(rows.get(updateId as RowId)?.data, update);
        };
        await check();
        store = await h.reopen(store);
        await check();
      },
      LARGE_TEST_TIMEOUT_MS,
    );

    it('[S12] ping resolves on an open store, also after a reopen', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      store = await h.reopen(store);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('[S12] every operation after close rejects with an Error; close may be repeated', async () => {
      const [id] = await store.appendUpdates('room', [bytes(1)]);
      await h.close(store);

      await expect(store.ping()).rejects.toBeInstanceOf(Error);
      await expect(store.loadDoc('room')).rejects.toBeInstanceOf(Error);
      await expect(store.appendUpdates('room', [bytes(2)])).rejects.toBeInstanceOf(Error);
      await expect(store.writeSnapshot('room', bytes(3))).rejects.toBeInstanceOf(Error);
      await expect(store.deleteRows('room', [id as RowId])).rejects.toBeInstanceOf(Error);
      await expect(store.close()).resolves.toBeUndefined();

      // Nothing the rejected calls carried may have been written.
      store = await h.open();
      expect((await store.loadDoc('room')).rows.map((r) => r.id)).toEqual([id]);
    });
  });
}

/**
 * Makes real Yjs edits from two clients that sync only now and then, so the
 * updates include concurrent, conflicting operations — the kind the server
 * actually stores.
 */
class TwoClientEditor {
  readonly doc = new Y.Doc();
  readonly #peer = new Y.Doc();
  readonly #random: () => number;
  #captured: Uint8Array[] = [];
  #unsynced: { from: Y.Doc; update: Uint8Array }[] = [];
  static readonly #REMOTE = Symbol('remote');

  constructor(seed: number) {
    this.#random = mulberry32(seed);
    for (const d of [this.doc, this.#peer]) {
      d.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === TwoClientEditor.#REMOTE) return;
        this.#captured.push(update);
        this.#unsynced.push({ from: d, update });
      });
    }
  }

  /** Makes `count` edits (one update each) and returns their updates. */
  edit(count: number): Uint8Array[] {
    for (let i = 0; i < count; i++) {
      if (this.#random() < 0.2) this.#exchange();
      const target = this.#random() < 0.5 ? this.doc : this.#peer;
      target.transact(() => this.#randomEdit(target));
    }
    return this.#take();
  }

  #take(): Uint8Array[] {
    // `doc` is the reference state, so the peer's edits must reach it.
    this.#exchange();
    const out = this.#captured;
    this.#captured = [];
    return out;
  }

  #exchange(): void {
    for (const { from, update } of this.#unsynced) {
      Y.applyUpdate(from === this.doc ? this.#peer : this.doc, update, TwoClientEditor.#REMOTE);
    }
    this.#unsynced = [];
  }

  #randomEdit(doc: Y.Doc): void {
    const r = this.#random;
    const int = (n: number): number => Math.floor(r() * n);
    const map = doc.getMap('m');
    const array = doc.getArray('a');
    const text = doc.getText('t');
    switch (int(6)) {
      case 0:
        map.set(`k${int(8)}`, r() < 0.5 ? int(1000) : { name: `token-${int(100)}`, hp: int(20) });
        break;
      case 1:
        map.delete(`k${int(8)}`);
        break;
      case 2:
        array.insert(int(array.length + 1), [int(100), `item-${int(100)}`]);
        break;
      case 3:
        if (array.length > 0) {
          const at = int(array.length);
          array.delete(at, Math.min(1 + int(2), array.length - at));
        }
        break;
      case 4:
        text.insert(int(text.length + 1), `w${int(100)} `);
        break;
      default:
        if (text.length > 0) {
          const at = int(text.length);
          text.delete(at, Math.min(1 + int(3), text.length - at));
        }
    }
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function replay(rows: readonly StoredRow[]): Y.Doc {
  const doc = new Y.Doc();
  for (const row of rows) Y.applyUpdate(doc, row.data);
  return doc;
}

function expectSameDoc(actual: Y.Doc, expected: Y.Doc): void {
  const view = (doc: Y.Doc): unknown => ({
    map: doc.getMap('m').toJSON(),
    array: doc.getArray('a').toJSON(),
    text: doc.getText('t').toString(),
    stateVector: [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([a], [b]) => a - b),
  });
  expect(view(actual)).toEqual(view(expected));
}

function rowsById(doc: StoredDoc): Map<RowId, StoredRow> {
  const rows = new Map<RowId, StoredRow>();
  for (const row of doc.rows) {
    expect(rows.has(row.id), `duplicate row id ${row.id} in one load`).toBe(false);
    rows.set(row.id, row);
  }
  return rows;
}

function sorted(ids: Iterable<RowId>): RowId[] {
  return [...ids].sort();
}

/** Order-independent view of a loaded document, for equality after a reopen. */
function canonical(doc: StoredDoc): [RowId, string, string][] {
  return doc.rows
    .map((r): [RowId, string, string] => [r.id, r.kind, digest(r.data)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
