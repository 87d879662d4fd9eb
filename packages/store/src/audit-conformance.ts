/**
 * The audit half of the conformance suite: rules [AU1]..[AU8] of
 * docs/storage.md, black-box through `AuditStore` (plus event logs and
 * documents, to prove audit logs do not mix with them).
 */
import { describe, expect } from 'vitest';
import { bytes, type ConformanceTarget, expectBytes, freshTargetPerTest, type Harness, type SuiteOptions, suiteTest } from './conformance-harness.ts';
import type { AuditRecordInput, Store, StoredAuditRecord } from './store.ts';

const T0 = 1_700_000_000_000;
const ALL = Number.MAX_SAFE_INTEGER;

/** Registers the audit conformance `describe` block; `createTarget` is called once per test. */
export function runAuditStoreConformance(backendName: string, createTarget: () => Promise<ConformanceTarget<Store>>, options: SuiteOptions = {}): void {
  describe(`AuditStore conformance: ${backendName}`, () => {
    const it = suiteTest(options);
    let h: Harness<Store>;
    let store: Store;

    freshTargetPerTest(createTarget, (harness, opened) => {
      h = harness;
      store = opened;
    });

    it('[AU1] a never-written audit log reads as no records', async () => {
      expect(await store.readAudit('never', { limit: ALL })).toEqual([]);
      await store.appendAudit('log', [rec(T0, 'a')]);
      for (const name of ['never', 'lo', 'log2', 'log/', '']) expect(await store.readAudit(name, { limit: ALL })).toEqual([]);
    });

    it('[AU2] appendAudit stores every record byte-exact with its time and returns distinct ids in input order', async () => {
      const backing = new Uint8Array(64).map((_, i) => i);
      const records = [
        rec(T0, 'first'),
        { at: T0 + 5, data: new Uint8Array(0) },
        { at: T0 + 1, data: new Uint8Array(backing.buffer, 7, 13) },
        { at: 0, data: Buffer.from('a Buffer is a Uint8Array too') },
      ];
      const ids = await store.appendAudit('log', records);
      expect(ids).toHaveLength(records.length);
      expect(new Set(ids).size).toBe(records.length);
      for (const id of ids) expect(typeof id).toBe('string');

      const read = await store.readAudit('log', { limit: ALL });
      expect(read).toHaveLength(records.length);
      const byId = new Map(read.map((r) => [r.id, r]));
      ids.forEach((id, i) => {
        expect(byId.get(id)?.at, `time of record ${i}`).toBe(records[i]!.at);
        expectBytes(byId.get(id)?.data, records[i]!.data, `record ${i}`);
      });
    });

    it('[AU2] an empty append returns [] and writes nothing', async () => {
      expect(await store.appendAudit('log', [])).toEqual([]);
      expect(await store.readAudit('log', { limit: ALL })).toEqual([]);
    });

    it('[AU2] stored bytes do not change when the caller mutates its input or a returned record', async () => {
      const data = bytes(1, 2, 3);
      await store.appendAudit('log', [{ at: T0, data }]);
      data.fill(9);
      const [first] = await store.readAudit('log', { limit: 1 });
      expectBytes(first?.data, bytes(1, 2, 3));
      first!.data.fill(7);
      expectBytes((await store.readAudit('log', { limit: 1 }))[0]?.data, bytes(1, 2, 3));
    });

    it('[AU3] records read newest first: by time descending, equal times in reverse order of appending', async () => {
      await store.appendAudit('log', [rec(T0 + 10, 'b'), rec(T0, 'a'), rec(T0 + 10, 'c')]);
      await store.appendAudit('log', [rec(T0 + 10, 'd'), rec(T0 + 20, 'e')]);
      await store.appendAudit('log', [rec(T0 + 5, 'late but older')]);
      expect(labels(await store.readAudit('log', { limit: ALL }))).toEqual(['e', 'd', 'c', 'b', 'late but older', 'a']);
    });

    it('[AU4] limit caps a page; before an id continues exactly after it, without gaps or repeats', async () => {
      // Many records share a time, so only the id can say where a page ended.
      const records = Array.from({ length: 25 }, (_, i) => rec(T0 + Math.floor(i / 4), `r${i}`));
      for (let i = 0; i < records.length; i += 7) await store.appendAudit('log', records.slice(i, i + 7));
      const expected = records.map((_, i) => `r${i}`).reverse();

      expect(labels(await store.readAudit('log', { limit: 3 }))).toEqual(expected.slice(0, 3));
      expect(await store.readAudit('log', { limit: 0 })).toEqual([]);
      const paged: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await store.readAudit('log', { limit: 4, ...(before === undefined ? {} : { before }) });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(4);
        paged.push(...labels(page));
        before = page.at(-1)!.id;
      }
      expect(paged).toEqual(expected);
    });

    it('[AU4] before a time reads only records older than it', async () => {
      await store.appendAudit('log', [rec(T0, 'a'), rec(T0 + 1, 'b'), rec(T0 + 1, 'c'), rec(T0 + 2, 'd')]);
      expect(labels(await store.readAudit('log', { before: T0 + 2, limit: ALL }))).toEqual(['c', 'b', 'a']);
      expect(labels(await store.readAudit('log', { before: T0 + 1, limit: 1 }))).toEqual(['a']);
      expect(labels(await store.readAudit('log', { before: T0, limit: ALL }))).toEqual([]);
      expect(labels(await store.readAudit('log', { before: 0, limit: ALL }))).toEqual([]);
      expect(labels(await store.readAudit('log', { before: ALL, limit: ALL }))).toEqual(['d', 'c', 'b', 'a']);
    });

    it('[AU5] records survive close and open; ids are never reused and later appends of the same time sort newer', async () => {
      const first = await store.appendAudit('log', [rec(T0, 'before restart')]);
      store = await h.reopen(store);
      const second = await store.appendAudit('log', [rec(T0, 'after restart')]);
      expect(second[0]).not.toBe(first[0]);
      const read = await store.readAudit('log', { limit: ALL });
      expect(labels(read)).toEqual(['after restart', 'before restart']);
      expect(read.map((r) => r.id)).toEqual([second[0], first[0]]);
    });

    it('[AU5] concurrent appends all land, with distinct ids', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.appendAudit('log', [rec(T0, `c${i}-a`), rec(T0, `c${i}-b`)])),
      );
      const ids = results.flat();
      expect(new Set(ids).size).toBe(40);
      const read = await store.readAudit('log', { limit: ALL });
      expect(read).toHaveLength(40);
      // Each call's two records stay adjacent and in their order.
      const order = labels(read);
      for (let i = 0; i < 20; i++) expect(order.indexOf(`c${i}-a`)).toBe(order.indexOf(`c${i}-b`) + 1);
    });

    it('[AU6] audit logs are isolated from each other, from event logs and from documents', async () => {
      const names = ['s', 's1', 's/1', 'ß', '', 'a\u0000b', '🎲'];
      for (const name of names) await store.appendAudit(name, [rec(T0, `in ${name}`)]);
      for (const name of names) expect(labels(await store.readAudit(name, { limit: ALL }))).toEqual([`in ${name}`]);

      await store.appendEvents('shared', [{ sequence: 1, id: 'e', data: bytes(1) }]);
      await store.putRejection('shared', { id: 'r', data: bytes(2) });
      await store.putCheckpoint('shared', { id: 'c', data: bytes(3) });
      await store.appendUpdates('shared', [bytes(4)]);
      expect(await store.readAudit('shared', { limit: ALL })).toEqual([]);
      await store.appendAudit('shared', [rec(T0, 'audit')]);
      expect((await store.readEvents('shared', 1, ALL)).map((e) => e.id)).toEqual(['e']);
      expect(await store.lastSequence('shared')).toBe(1);
      expect((await store.loadDoc('shared')).rows).toHaveLength(1);
    });

    it('[AU7] invalid input rejects and writes nothing, not even the valid records of the same call', async () => {
      const bad: unknown[] = [
        { at: -1, data: bytes(1) },
        { at: 1.5, data: bytes(1) },
        { at: Number.NaN, data: bytes(1) },
        { at: 2 ** 53, data: bytes(1) },
        { at: '5', data: bytes(1) },
        { at: T0, data: 'text' },
        { at: T0 },
        null,
      ];
      for (const record of bad) {
        await expect(
          store.appendAudit('log', [rec(T0, 'valid'), record as AuditRecordInput]),
          `record ${JSON.stringify(record)}`,
        ).rejects.toBeInstanceOf(Error);
      }
      expect(await store.readAudit('log', { limit: ALL })).toEqual([]);

      await store.appendAudit('log', [rec(T0, 'a')]);
      const queries: unknown[] = [
        { limit: -1 },
        { limit: 1.5 },
        { limit: Number.NaN },
        { limit: '3' },
        {},
        { limit: 3, before: -1 },
        { limit: 3, before: 1.5 },
        { limit: 3, before: 'not an id' },
        { limit: 3, before: {} },
      ];
      for (const query of queries) {
        await expect(store.readAudit('log', query as never), `query ${JSON.stringify(query)}`).rejects.toBeInstanceOf(Error);
      }
    });

    it('[AU8] after close every audit operation rejects and writes nothing', async () => {
      await store.appendAudit('log', [rec(T0, 'kept')]);
      await h.close(store);
      await expect(store.appendAudit('log', [rec(T0, 'lost')])).rejects.toBeInstanceOf(Error);
      await expect(store.readAudit('log', { limit: ALL })).rejects.toBeInstanceOf(Error);
      store = await h.open();
      expect(labels(await store.readAudit('log', { limit: ALL }))).toEqual(['kept']);
    });
  });
}

function rec(at: number, label: string): AuditRecordInput {
  return { at, data: new TextEncoder().encode(label) };
}

function labels(records: readonly StoredAuditRecord[]): string[] {
  return records.map((r) => new TextDecoder().decode(r.data));
}
