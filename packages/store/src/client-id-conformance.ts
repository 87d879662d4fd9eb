/**
 * The client-id half of the conformance suite: rules [CI1]..[CI5] of
 * docs/storage.md, black-box through `ClientIdStore` (plus documents, to
 * prove leases and rows of one name do not mix).
 */
import { describe, expect } from 'vitest';
import { bytes, type ConformanceTarget, freshTargetPerTest, type Harness, type SuiteOptions, suiteTest } from './conformance-harness.ts';
import type { Store } from './store.ts';

/** Registers the client-id conformance `describe` block; `createTarget` is called once per test. */
export function runClientIdStoreConformance(
  backendName: string,
  createTarget: () => Promise<ConformanceTarget<Store>>,
  options: SuiteOptions = {},
): void {
  describe(`ClientIdStore conformance: ${backendName}`, () => {
    const it = suiteTest(options);
    let h: Harness<Store>;
    let store: Store;

    freshTargetPerTest(createTarget, (harness, opened) => {
      h = harness;
      store = opened;
    });

    it('[CI1] sequential leases of a document are 1, 2, 3, … and each owner reads back byte-exact', async () => {
      const owners = ['alice', '', 'Ünïcødé 🐉', 'a\u0000b', 'e\u0301', 'x'.repeat(1000), 'alice', ' '];
      const ids: number[] = [];
      for (const owner of owners) ids.push(await store.leaseClientId('room', owner));
      expect(ids).toEqual(owners.map((_, i) => i + 1));
      for (const id of ids) expect(Number.isSafeInteger(id) && id > 0, `id ${id}`).toBe(true);
      for (const [i, owner] of owners.entries()) expect(await store.clientIdOwner('room', i + 1)).toBe(owner);
      // Another document starts at 1 on its own.
      expect(await store.leaseClientId('other', 'bob')).toBe(1);
      expect(await store.clientIdOwner('other', 1)).toBe('bob');
      expect(await store.clientIdOwner('room', 1)).toBe('alice');
    });

    it('[CI1] clientIdOwner answers null for any number never leased, and rejects non-numbers', async () => {
      expect(await store.clientIdOwner('room', 1)).toBeNull();
      for (let i = 0; i < 3; i++) await store.leaseClientId('room', `u${i}`);
      const never = [0, -0, -1, -3, 1.5, 2.000001, 4, 5, 1000, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, 2 ** 53, 2 ** 64];
      for (const id of [...never, Number.NaN, Infinity, -Infinity, Number.MIN_SAFE_INTEGER, Number.EPSILON]) {
        expect(await store.clientIdOwner('room', id), `clientIdOwner(${id})`).toBeNull();
      }
      expect(await store.clientIdOwner('never-leased', 1)).toBeNull();
      const notNumbers: unknown[] = ['1', 1n, null, undefined, {}, [1], true];
      for (const id of notNumbers) {
        await expect(store.clientIdOwner('room', id as number), `clientIdOwner(${String(id)})`).rejects.toBeInstanceOf(
          Error,
        );
      }
      // Rejected reads leased nothing.
      expect(await store.leaseClientId('room', 'next')).toBe(4);
    });

    it('[CI2] ids are never reused after close and open; owners survive the reopen', async () => {
      const leased = new Map<number, string>();
      for (let i = 0; i < 5; i++) leased.set(await store.leaseClientId('room', `before-${i}`), `before-${i}`);
      expect([...leased.keys()]).toEqual([1, 2, 3, 4, 5]);

      for (let round = 0; round < 3; round++) {
        store = await h.reopen(store);
        for (const [id, owner] of leased) expect(await store.clientIdOwner('room', id), `owner of ${id}`).toBe(owner);
        const highest = Math.max(...leased.keys());
        for (let i = 0; i < 3; i++) {
          const owner = `round-${round}-${i}`;
          const id = await store.leaseClientId('room', owner);
          // Gaps are allowed, reuse is not.
          expect(id, `lease after reopen ${round}`).toBeGreaterThan(highest);
          expect(leased.has(id)).toBe(false);
          expect(Number.isSafeInteger(id)).toBe(true);
          leased.set(id, owner);
        }
      }
      store = await h.reopen(store);
      for (const [id, owner] of leased) expect(await store.clientIdOwner('room', id)).toBe(owner);
    });

    it('[CI2] a lease that resolved before close is never handed out again, even with leases in flight at the close', async () => {
      // Warm documents and cold ones, so that some calls are further along than others when the close comes.
      const docs = ['warm', 'cold', 'warm/2'];
      expect(await store.leaseClientId('warm', 'first')).toBe(1);
      expect(await store.leaseClientId('warm/2', 'first')).toBe(1);
      const calls = Array.from({ length: 60 }, (_, i) => ({ doc: docs[i % docs.length] as string, owner: `in-flight-${i}` }));
      // Settled from the start, so a lease the close rejects is never an unhandled rejection.
      const early = Promise.allSettled(calls.slice(0, 45).map((c) => store.leaseClientId(c.doc, c.owner)));
      await new Promise((resolve) => setImmediate(resolve));
      const closing = h.close(store);
      const late = Promise.allSettled(calls.slice(45).map((c) => store.leaseClientId(c.doc, c.owner)));
      await closing;
      const settled = [...(await early), ...(await late)];

      const resolved = new Map<string, Map<number, string>>(docs.map((doc) => [doc, new Map()]));
      resolved.get('warm')?.set(1, 'first');
      resolved.get('warm/2')?.set(1, 'first');
      settled.forEach((s, i) => {
        const { doc, owner } = calls[i]!;
        if (s.status === 'rejected') return expect(s.reason, `lease ${i}`).toBeInstanceOf(Error);
        expect(resolved.get(doc)?.has(s.value), `id ${s.value} of ${doc} resolved twice`).toBe(false);
        resolved.get(doc)?.set(s.value, owner);
      });

      store = await h.open();
      for (const doc of docs) {
        const mine = resolved.get(doc) ?? new Map<number, string>();
        for (const [id, owner] of mine) expect(await store.clientIdOwner(doc, id), `owner of ${id} in ${doc}`).toBe(owner);
        const after = await Promise.all(Array.from({ length: 10 }, (_, i) => store.leaseClientId(doc, `after-${i}`)));
        expect(Math.min(...after), `leases of ${doc} after the reopen`).toBeGreaterThan(Math.max(0, ...mine.keys()));
      }
    });

    it('[CI3] 200 concurrent leases of one document from several owners get distinct ids, each with its own owner', async () => {
      const owners = ['alice', 'bob', 'carol', '', '🎲'];
      const calls = Array.from({ length: 200 }, (_, i) => owners[i % owners.length] as string);
      const ids = await Promise.all(calls.map((owner) => store.leaseClientId('room', owner)));
      expect(new Set(ids).size).toBe(calls.length);
      for (const id of ids) expect(Number.isSafeInteger(id) && id > 0, `id ${id}`).toBe(true);
      const owned = await Promise.all(ids.map((id) => store.clientIdOwner('room', id)));
      owned.forEach((owner, i) => expect(owner, `owner of id ${ids[i]}`).toBe(calls[i]));
      // A later sequential lease continues above all of them.
      expect(await store.leaseClientId('room', 'late')).toBeGreaterThan(Math.max(...ids));
    });

    it('[CI3] concurrent leases across documents, interleaved with reads, stay distinct per document', async () => {
      const docs = ['room-1', 'room-2', 'room-3'];
      const calls = Array.from({ length: 150 }, (_, i) => ({ doc: docs[i % docs.length] as string, owner: `user-${i}` }));
      const reads: Promise<unknown>[] = [];
      const leases = calls.map((c, i) => {
        if (i % 10 === 0) reads.push(store.clientIdOwner(c.doc, 1 + (i % 7)));
        return store.leaseClientId(c.doc, c.owner);
      });
      const ids = await Promise.all(leases);
      await Promise.all(reads);
      for (const doc of docs) {
        const mine = ids.filter((_, i) => calls[i]?.doc === doc);
        expect(new Set(mine).size, `distinct ids of ${doc}`).toBe(mine.length);
      }
      for (const [i, c] of calls.entries()) expect(await store.clientIdOwner(c.doc, ids[i] as number)).toBe(c.owner);
    });

    it('[CI4] documents have independent counters and owners, including prefixes, separators, NUL, unicode and empty names', async () => {
      const names = ['a', 'ab', 'a/b', 'a/b/', 'A', '', ' ', 'a\u0000b', 'a\u0000', '\u0000', 'é', 'e\u0301', '🎲', 'sessions/x/table'];
      expect(new Set(names).size).toBe(names.length);
      // Different counts per name, interleaved, so a shared counter could not pass.
      for (let round = 0; round < names.length; round++) {
        for (const [i, name] of names.entries()) {
          if (round <= i) await store.leaseClientId(name, `${name}#${round}`);
        }
      }
      const expectIntact = async (): Promise<void> => {
        for (const [i, name] of names.entries()) {
          for (let round = 0; round <= i; round++) {
            expect(await store.clientIdOwner(name, round + 1), `owner ${round + 1} of ${JSON.stringify(name)}`).toBe(
              `${name}#${round}`,
            );
          }
          expect(await store.clientIdOwner(name, i + 2), `past the last lease of ${JSON.stringify(name)}`).toBeNull();
        }
      };
      await expectIntact();
      store = await h.reopen(store);
      await expectIntact();
      for (const [i, name] of names.entries()) {
        expect(await store.leaseClientId(name, 'after'), `next lease of ${JSON.stringify(name)}`).toBeGreaterThan(i + 1);
      }
    });

    it('[CI4] a document\u2019s rows and its leases neither see nor disturb each other, compaction included', async () => {
      expect(await store.leaseClientId('room', 'alice')).toBe(1);
      expect(await store.leaseClientId('room', 'bob')).toBe(2);
      // Leases are not rows.
      expect((await store.loadDoc('room')).rows).toEqual([]);

      const ids = await store.appendUpdates('room', [bytes(1), bytes(2)]);
      expect(await store.leaseClientId('room', 'carol')).toBe(3);
      const snapshotId = await store.writeSnapshot('room', bytes(1, 2));
      expect((await store.loadDoc('room')).rows.map((r) => r.id).sort()).toEqual([...ids, snapshotId].sort());

      // Compaction deleting every row resets nothing.
      await store.deleteRows('room', [...ids, snapshotId]);
      expect((await store.loadDoc('room')).rows).toEqual([]);
      expect(await store.clientIdOwner('room', 2)).toBe('bob');
      expect(await store.leaseClientId('room', 'dave')).toBe(4);

      // Rows of a document never leased from give it no owners, and start no counter.
      await store.appendUpdates('rows-only', [bytes(9)]);
      expect(await store.clientIdOwner('rows-only', 1)).toBeNull();
      expect(await store.leaseClientId('rows-only', 'erin')).toBe(1);
      expect((await store.loadDoc('rows-only')).rows).toHaveLength(1);

      store = await h.reopen(store);
      expect((await store.loadDoc('room')).rows).toEqual([]);
      expect(await store.clientIdOwner('room', 4)).toBe('dave');
      expect(await store.leaseClientId('room', 'frank')).toBeGreaterThan(4);
    });

    it('[CI5] invalid input rejects with an Error and leases nothing', async () => {
      const bad: [string, () => Promise<unknown>][] = [
        ['numeric document name', () => store.leaseClientId(7 as unknown as string, 'o')],
        ['null document name', () => store.leaseClientId(null as unknown as string, 'o')],
        ['numeric owner', () => store.leaseClientId('room', 7 as unknown as string)],
        ['null owner', () => store.leaseClientId('room', null as unknown as string)],
        ['missing owner', () => store.leaseClientId('room', undefined as unknown as string)],
        ['object owner', () => store.leaseClientId('room', { toString: () => 'o' } as unknown as string)],
        ['document name with a lone high surrogate', () => store.leaseClientId('\ud800', 'o')],
        ['document name with a lone low surrogate', () => store.leaseClientId('a\udfff', 'o')],
        ['owner with a lone surrogate', () => store.leaseClientId('room', 'a\ud83d')],
        ['clientIdOwner of a numeric document name', () => store.clientIdOwner(7 as unknown as string, 1)],
        ['clientIdOwner of a lone surrogate name', () => store.clientIdOwner('\udc00', 1)],
      ];
      for (const [what, call] of bad) await expect(call(), what).rejects.toBeInstanceOf(Error);
      // Nothing was leased: the first valid lease of each name is still 1, and U+FFFD (what a lone surrogate encodes to) is untouched.
      expect(await store.clientIdOwner('room', 1)).toBeNull();
      expect(await store.leaseClientId('room', 'o')).toBe(1);
      expect(await store.clientIdOwner('\ufffd', 1)).toBeNull();
      expect(await store.leaseClientId('\ufffd', 'o')).toBe(1);
      expect(await store.leaseClientId('7', 'o')).toBe(1);
    });

    it('[CI5] after close both calls reject with an Error and lease nothing', async () => {
      expect(await store.leaseClientId('room', 'kept')).toBe(1);
      await h.close(store);
      await expect(store.leaseClientId('room', 'lost')).rejects.toBeInstanceOf(Error);
      await expect(store.leaseClientId('fresh', 'lost')).rejects.toBeInstanceOf(Error);
      await expect(store.clientIdOwner('room', 1)).rejects.toBeInstanceOf(Error);
      store = await h.open();
      expect(await store.clientIdOwner('room', 1)).toBe('kept');
      expect(await store.clientIdOwner('room', 2)).toBeNull();
      expect(await store.clientIdOwner('fresh', 1)).toBeNull();
      expect(await store.leaseClientId('fresh', 'new')).toBe(1);
    });
  });
}
