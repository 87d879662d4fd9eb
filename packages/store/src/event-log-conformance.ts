/**
 * The event-log half of the conformance suite: rules [S14]..[S27] of
 * docs/storage.md, black-box through `EventLogStore` (plus `appendUpdates`
 * and `close`, to prove logs and documents do not mix). [S28] (kill -9) is
 * proved by each backend's own tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { bytes, type ConformanceTarget, digest, expectBytes, hex, freshTargetPerTest, type Harness, type SuiteOptions, suiteTest } from './conformance-harness.ts';
import { DuplicateEventError, type Store, type StoredEvent, type StoredRecord } from './store.ts';

const LARGE_TEST_TIMEOUT_MS = 60_000;
const ALL = Number.MAX_SAFE_INTEGER;

/** Registers the event-log conformance `describe` block; `createTarget` is called once per test. */
export function runEventLogConformance(
  backendName: string,
  createTarget: () => Promise<ConformanceTarget<Store>>,
  options: SuiteOptions = {},
): void {
  describe(`EventLogStore conformance: ${backendName}`, () => {
    const it = suiteTest(options);
    let h: Harness<Store>;
    let store: Store;

    freshTargetPerTest(createTarget, (harness, opened) => {
      h = harness;
      store = opened;
    });

    it('[S14] a never-written log is empty', async () => {
      await expectEmpty(store, 'never-written');
      await store.appendEvents('log', [entry(1, 'a')]);
      await store.putRejection('log', record('r'));
      await store.putCheckpoint('log', record('c'));
      for (const name of ['never-written', 'lo', 'log2', 'log/', '']) await expectEmpty(store, name);

      await store.appendEvents('empty-batch', []);
      await expectEmpty(store, 'empty-batch');
    });

    it('[S15] entries read back byte-exact, ascending by sequence, whatever order batches listed them in', async () => {
      const backing = randomBytes(64);
      const first = [
        entry(3, randomUUID(), new Uint8Array(256).map((_, i) => i)),
        entry(1, randomUUID(), new Uint8Array(0)),
        entry(2, randomUUID(), new Uint8Array(backing.buffer, backing.byteOffset + 7, 13)),
      ];
      const second = [entry(4, randomUUID(), Buffer.from('a Buffer is a Uint8Array too')), entry(5, randomUUID())];
      await store.appendEvents('log', first);
      await store.appendEvents('log', second);

      const expected = [...first, ...second].sort((a, b) => a.sequence - b.sequence);
      expectEvents(await store.readEvents('log', 1, ALL), expected);
      expect(await store.lastSequence('log')).toBe(5);
    });

    it('[S15] readEvents pages by from and limit', async () => {
      const all = Array.from({ length: 10 }, (_, i) => entry(i + 1));
      await store.appendEvents('log', all.slice(0, 4));
      await store.appendEvents('log', all.slice(4));
      const seqs = async (from: number, limit: number): Promise<number[]> =>
        (await store.readEvents('log', from, limit)).map((e) => e.sequence);

      expect(await seqs(5, 3)).toEqual([5, 6, 7]);
      expect(await seqs(8, 100)).toEqual([8, 9, 10]);
      expect(await seqs(10, 1)).toEqual([10]);
      expect(await seqs(11, 5)).toEqual([]);
      expect(await seqs(2 ** 40, 5)).toEqual([]);
      expect(await seqs(0, 2)).toEqual([1, 2]);
      expect(await seqs(-7, 2)).toEqual([1, 2]);
      expect(await seqs(3, 0)).toEqual([]);
      expect(await seqs(1, ALL)).toEqual(all.map((e) => e.sequence));
      expect(await seqs(1, 2 ** 32)).toEqual(all.map((e) => e.sequence));
      expectEvents(await store.readEvents('log', 4, 2), all.slice(3, 5));

      const paged: StoredEvent[] = [];
      for (let from = 1; ; ) {
        const page = await store.readEvents('log', from, 3);
        if (page.length === 0) break;
        paged.push(...page);
        from = (page.at(-1)?.sequence ?? ALL) + 1;
      }
      expectEvents(paged, all);
    });

    it('[S15] readEvents rejects a from or limit that is not an integer in range', async () => {
      await store.appendEvents('log', [entry(1)]);
      for (const [from, limit] of [
        [1, -1],
        [1, 1.5],
        [1, Number.NaN],
        [1, Number.POSITIVE_INFINITY],
        [1.5, 10],
        [Number.NaN, 10],
        ['1' as unknown as number, 10],
      ] as const) {
        await expect(store.readEvents('log', from, limit), `from ${from}, limit ${limit}`).rejects.toBeInstanceOf(
          Error,
        );
      }
    });

    it('[S15] an empty batch writes nothing', async () => {
      await store.appendEvents('log', []);
      await expectEmpty(store, 'log');
      await store.appendEvents('log', [entry(1, 'a')]);
      await store.appendEvents('log', []);
      expectEvents(await store.readEvents('log', 1, ALL), [entry(1, 'a')]);
    });

    it('[S15] stored bytes do not change when the caller mutates its input or a returned entry', async () => {
      const event = entry(1, 'a', bytes(1, 2, 3));
      const rejection = record('r', bytes(4, 5));
      const checkpoint = record('c', bytes(6, 7));
      await store.appendEvents('log', [event]);
      await store.putRejection('log', rejection);
      await store.putCheckpoint('log', checkpoint);
      for (const value of [event, rejection, checkpoint]) value.data.fill(9);

      const returned = [
        ...(await store.readEvents('log', 1, ALL)).map((e) => e.data),
        (await store.eventById('log', 'a'))?.data,
        (await store.rejectionById('log', 'r'))?.data,
        (await store.checkpointById('log', 'c'))?.data,
        ...(await store.listCheckpoints('log')).map((c) => c.data),
      ];
      for (const data of returned) data?.fill(8);

      expectEvents(await store.readEvents('log', 1, ALL), [entry(1, 'a', bytes(1, 2, 3))]);
      expectBytes((await store.eventById('log', 'a'))?.data, bytes(1, 2, 3));
      expectBytes((await store.rejectionById('log', 'r'))?.data, bytes(4, 5));
      expectBytes((await store.checkpointById('log', 'c'))?.data, bytes(6, 7));
    });

    it('[S16] eventById finds an entry by its id, and nothing by any other', async () => {
      const events = [entry(1, randomUUID()), entry(2, 'short'), entry(3, '')];
      await store.appendEvents('log', events);
      await store.appendEvents('other', [entry(1, 'only-in-other')]);

      for (const event of events) expectEvent(await store.eventById('log', event.id), event);
      for (const id of ['unknown', 'shor', 'shortx', 'SHORT', 'only-in-other']) {
        expect(await store.eventById('log', id), `eventById(${JSON.stringify(id)})`).toBeNull();
      }
    });

    it('[S17] a batch with a duplicate sequence or id, stored or within itself, writes nothing', async () => {
      const stored = [entry(1, 'a'), entry(2, 'b')];
      await store.appendEvents('log', stored);

      const bad: [string, StoredEvent[]][] = [
        ['sequence already stored', [entry(3, 'c'), entry(2, 'd')]],
        ['id already stored', [entry(3, 'c'), entry(4, 'a')]],
        ['sequence and id already stored', [entry(1, 'a')]],
        ['sequence twice in the batch', [entry(3, 'c'), entry(4, 'd'), entry(3, 'e')]],
        ['id twice in the batch', [entry(3, 'c'), entry(4, 'c')]],
        ['same entry twice in the batch', [entry(3, 'c'), entry(3, 'c')]],
      ];
      for (const [why, batch] of bad) {
        await expect(store.appendEvents('log', batch), why).rejects.toBeInstanceOf(DuplicateEventError);
        expectEvents(await store.readEvents('log', 1, ALL), stored);
        expect(await store.lastSequence('log')).toBe(2);
        for (const id of ['c', 'd', 'e']) expect(await store.eventById('log', id), `${why}: ${id}`).toBeNull();
      }

      // Nothing a rejected batch carried was left behind to collide with.
      await store.appendEvents('log', [entry(3, 'c'), entry(4, 'd')]);
      expectEvents(await store.readEvents('log', 1, ALL), [...stored, entry(3, 'c'), entry(4, 'd')]);
    });

    it('[S17] a batch with an invalid entry rejects with a non-duplicate Error and writes nothing', async () => {
      await store.appendEvents('log', [entry(1, 'a')]);
      const invalid: [string, unknown][] = [
        ['sequence 0', { sequence: 0, id: 'x', data: bytes(1) }],
        ['negative sequence', { sequence: -1, id: 'x', data: bytes(1) }],
        ['fractional sequence', { sequence: 2.5, id: 'x', data: bytes(1) }],
        ['NaN sequence', { sequence: Number.NaN, id: 'x', data: bytes(1) }],
        ['unsafe sequence', { sequence: 2 ** 53, id: 'x', data: bytes(1) }],
        ['string sequence', { sequence: '2', id: 'x', data: bytes(1) }],
        ['numeric id', { sequence: 3, id: 42, data: bytes(1) }],
        ['missing id', { sequence: 3, data: bytes(1) }],
        ['null data', { sequence: 3, id: 'x', data: null }],
        ['array data', { sequence: 3, id: 'x', data: [1, 2] }],
        ['null entry', null],
      ];
      for (const [why, bad] of invalid) {
        const batch = [entry(2, 'b'), bad as StoredEvent, entry(4, 'c')];
        const err = await store.appendEvents('log', batch).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, why).toBeInstanceOf(Error);
        expect(err, why).not.toBeInstanceOf(DuplicateEventError);
        expectEvents(await store.readEvents('log', 1, ALL), [entry(1, 'a')]);
        expect(await store.eventById('log', 'b'), why).toBeNull();
      }
    });

    it('[S17] a concurrent reader sees every appendEvents batch whole or not at all', async () => {
      const calls = 30;
      const perCall = 20;
      let writing = true;
      const writer = (async () => {
        try {
          for (let call = 0; call < calls; call++) {
            const batch = Array.from({ length: perCall }, (_, i) =>
              entry(call * perCall + i + 1, undefined, bytes(call, ...randomBytes(32))),
            );
            await store.appendEvents('log', batch);
          }
        } finally {
          writing = false;
        }
      })();

      let reads = 0;
      const seenSizes = new Set<number>();
      while (writing || reads === 0) {
        const events = await store.readEvents('log', 1, ALL);
        reads++;
        seenSizes.add(events.length);
        const counts = new Map<number, number>();
        for (const e of events) counts.set(e.data[0] ?? -1, (counts.get(e.data[0] ?? -1) ?? 0) + 1);
        for (const [call, count] of counts) expect(count, `entries of call ${call} visible in one read`).toBe(perCall);
        // An entry that can be read must also be found by id: entries and their id lookup land together.
        const newest = events.at(-1);
        if (newest) {
          expectEvent(await store.eventById('log', newest.id), newest, `eventById of read entry ${newest.sequence}`);
        }
      }
      await writer;
      expect(await store.lastSequence('log')).toBe(calls * perCall);
      // Without a read between two calls this test would prove nothing.
      expect([...seenSizes].some((n) => n > 0 && n < calls * perCall), `sizes seen: ${[...seenSizes]}`).toBe(true);
    });

    it('[S18] concurrent appends of distinct sequences and ids all land, across logs', async () => {
      const logs = ['log-1', 'log-2', 'log-3'];
      const batches = logs.flatMap((log) => {
        let next = 1;
        return Array.from({ length: 60 }, (_, i) => {
          const batch = Array.from({ length: 1 + (i % 3) }, () => entry(next++, randomUUID()));
          return { log, batch };
        });
      });
      // Issued out of order: the store refuses duplicates, not late arrivals ([S21]).
      const shuffled = [...batches].sort((a, b) => (a.batch[0]?.id ?? '').localeCompare(b.batch[0]?.id ?? ''));
      await Promise.all(shuffled.map(({ log, batch }) => store.appendEvents(log, batch)));

      for (const log of logs) {
        const expected = batches.filter((b) => b.log === log).flatMap((b) => b.batch);
        expectEvents(await store.readEvents(log, 1, ALL), expected);
        expect(await store.lastSequence(log)).toBe(expected.length);
      }
    });

    it('[S18] of concurrent appends claiming one sequence or one id, exactly one lands', async () => {
      await store.appendEvents('log', [entry(1, 'first')]);
      const sameSequence = Array.from({ length: 20 }, (_, i) => [entry(2, `seq-claimant-${i}`)]);
      const sameId = Array.from({ length: 20 }, (_, i) => [entry(100 + i, 'id-claimant')]);

      for (const [why, batches] of [
        ['same sequence', sameSequence],
        ['same id', sameId],
      ] as const) {
        const results = await Promise.allSettled(batches.map((batch) => store.appendEvents('log', batch)));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [batches[i]?.[0]] : []));
        expect(winners, why).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason, why).toBeInstanceOf(DuplicateEventError);
        }
        const winner = winners[0] as StoredEvent;
        expectEvent(await store.eventById('log', winner.id), winner);
      }

      const events = await store.readEvents('log', 1, ALL);
      expect(events).toHaveLength(3);
      expect(new Set(events.map((e) => e.id)).size).toBe(3);
    });

    it('[S19] resolved appends, replacements, rejections and checkpoints survive close and reopen', async () => {
      const events = Array.from({ length: 20 }, (_, i) => entry(i + 1, randomUUID()));
      for (let i = 0; i < events.length; i += 5) await store.appendEvents('log', events.slice(i, i + 5));
      const replaced = { ...(events[6] as StoredEvent), data: bytes(7, 7, 7) };
      await store.replaceEvent('log', replaced);
      events[6] = replaced;
      const rejection = record(randomUUID());
      const checkpoints = [record('before-battle'), record('after-battle')];
      await store.putRejection('log', rejection);
      for (const c of checkpoints) await store.putCheckpoint('log', c);

      const check = async (): Promise<void> => {
        expectEvents(await store.readEvents('log', 1, ALL), events);
        expect(await store.lastSequence('log')).toBe(20);
        expectEvent(await store.eventById('log', replaced.id), replaced);
        expectRecord(await store.rejectionById('log', rejection.id), rejection);
        expectRecords(await store.listCheckpoints('log'), checkpoints);
      };
      await check();
      store = await h.reopen(store);
      await check();
      store = await h.reopen(store);
      await check();
    });

    it('[S20] logs are isolated, including prefixes, separators, NUL, unicode, empty names and documents', async () => {
      const names = [
        'a',
        'ab',
        'a/b',
        'a/b/',
        'sessions/x',
        'sessions/x/events',
        '',
        ' ',
        'a\u0000',
        'a\u0000b',
        '\u00e9',
        'e\u0301',
        'Ünïcødé 🐉',
        'x'.repeat(300),
      ];
      const written = new Map<string, { events: StoredEvent[]; rejection: StoredRecord; checkpoint: StoredRecord }>();
      for (const [i, name] of names.entries()) {
        // Every log reuses the same ids; log i has i + 1 entries so lastSequence tells them apart.
        const events = Array.from({ length: i + 1 }, (_, j) =>
          entry(j + 1, j === 0 ? 'shared-id' : `id-${j}`, bytes(i, j)),
        );
        const rejection = record('shared-rejection', bytes(i, 100));
        const checkpoint = record('shared-checkpoint', bytes(i, 200));
        await store.appendEvents(name, events);
        await store.putRejection(name, rejection);
        await store.putCheckpoint(name, checkpoint);
        // A document of the same name must not see the log, nor the log the document.
        await store.appendUpdates(name, [bytes(i, 255)]);
        written.set(name, { events, rejection, checkpoint });
      }

      const expectIntact = async (): Promise<void> => {
        for (const name of names) {
          const mine = written.get(name);
          if (!mine) throw new Error('unreachable');
          const what = `log ${JSON.stringify(name)}`;
          expectEvents(await store.readEvents(name, 1, ALL), mine.events, what);
          expect(await store.lastSequence(name), what).toBe(mine.events.length);
          expectEvent(await store.eventById(name, 'shared-id'), mine.events[0] as StoredEvent, what);
          expectRecord(await store.rejectionById(name, 'shared-rejection'), mine.rejection, what);
          expectRecords(await store.listCheckpoints(name), [mine.checkpoint], what);
          expect((await store.loadDoc(name)).rows, what).toHaveLength(1);
        }
        await expectEmpty(store, 'never-written');
      };
      await expectIntact();
      store = await h.reopen(store);
      await expectIntact();
    });

    it('[S21] lastSequence is the highest sequence after many appends, an out-of-order batch, a restart', async () => {
      for (let i = 1; i <= 50; i++) {
        await store.appendEvents('log', [entry(i)]);
        expect(await store.lastSequence('log')).toBe(i);
      }
      // The store refuses duplicates, not gaps: sequencing is the server's job.
      await store.appendEvents('log', [entry(300), entry(256), entry(299)]);
      expect(await store.lastSequence('log')).toBe(300);
      expect((await store.readEvents('log', 51, ALL)).map((e) => e.sequence)).toEqual([256, 299, 300]);
      await store.appendEvents('log', [entry(255)]);
      expect(await store.lastSequence('log')).toBe(300);
      await store.appendEvents('log', [entry(2 ** 53 - 1)]);
      expect(await store.lastSequence('log')).toBe(2 ** 53 - 1);

      store = await h.reopen(store);
      expect(await store.lastSequence('log')).toBe(2 ** 53 - 1);
      expect(await store.lastSequence('lo')).toBe(0);
      expect(await store.lastSequence('log/')).toBe(0);
    });

    it('[S22] replaceEvent rewrites the data of an existing sequence/id pair and nothing else', async () => {
      const events = [entry(1, 'a'), entry(2, 'b'), entry(3, 'c')];
      await store.appendEvents('log', events);
      await store.appendEvents('other', [entry(2, 'b', bytes(42))]);

      await store.replaceEvent('log', entry(2, 'b', bytes(2, 2)));
      await store.replaceEvent('log', entry(2, 'b', bytes(2, 2, 2)));
      await store.replaceEvent('log', entry(3, 'c', new Uint8Array(0)));
      const expected = [events[0] as StoredEvent, entry(2, 'b', bytes(2, 2, 2)), entry(3, 'c', new Uint8Array(0))];
      expectEvents(await store.readEvents('log', 1, ALL), expected);
      expectEvent(await store.eventById('log', 'b'), expected[1] as StoredEvent);
      expectEvents(await store.readEvents('other', 1, ALL), [entry(2, 'b', bytes(42))]);
    });

    it('[S22] replaceEvent rejects, writing nothing, for an unknown sequence, a mismatched id, bad input', async () => {
      const events = [entry(1, 'a'), entry(2, 'b')];
      await store.appendEvents('log', events);
      await store.appendEvents('other', [entry(3, 'c')]);

      const bad: [string, unknown][] = [
        ['unknown sequence', entry(3, 'c')],
        ['sequence of another entry', entry(2, 'a')],
        ['unknown id at a known sequence', entry(1, 'z')],
        ['pair that exists only in another log', entry(3, 'c')],
        ['sequence 0', entry(0, 'a')],
        ['null data', { sequence: 1, id: 'a', data: null }],
        ['numeric id', { sequence: 1, id: 1, data: bytes(1) }],
      ];
      for (const [why, event] of bad) {
        const err = await store.replaceEvent('log', event as StoredEvent).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, why).toBeInstanceOf(Error);
        expect(err, why).not.toBeInstanceOf(DuplicateEventError);
        expectEvents(await store.readEvents('log', 1, ALL), events);
        expect(await store.eventById('log', 'c'), why).toBeNull();
        expect(await store.eventById('log', 'z'), why).toBeNull();
        expect(await store.lastSequence('log'), why).toBe(2);
      }
    });

    it('[S23] rejections are remembered byte-exact by id, replaced by a second put, and are not entries', async () => {
      const first = record(randomUUID(), bytes(1, 2, 3));
      const empty = record('empty', new Uint8Array(0));
      await store.putRejection('log', first);
      await store.putRejection('log', empty);
      expectRecord(await store.rejectionById('log', first.id), first);
      expectRecord(await store.rejectionById('log', 'empty'), empty);
      expect(await store.rejectionById('log', 'unknown')).toBeNull();
      expect(await store.rejectionById('log', 'empt')).toBeNull();

      const again = record(first.id, bytes(4));
      await store.putRejection('log', again);
      expectRecord(await store.rejectionById('log', first.id), again);

      // Not entries, and entries are not rejections.
      expect(await store.lastSequence('log')).toBe(0);
      expect(await store.readEvents('log', 1, ALL)).toEqual([]);
      expect(await store.eventById('log', first.id)).toBeNull();
      await store.appendEvents('log', [entry(1, 'accepted')]);
      expect(await store.rejectionById('log', 'accepted')).toBeNull();
      expect(await store.checkpointById('log', first.id)).toBeNull();

      await expect(store.putRejection('log', { id: 'bad', data: null } as unknown as StoredRecord)).rejects.toThrow();
      await expect(store.putRejection('log', { id: 7, data: bytes(1) } as unknown as StoredRecord)).rejects.toThrow();
      expect(await store.rejectionById('log', 'bad')).toBeNull();

      store = await h.reopen(store);
      expectRecord(await store.rejectionById('log', first.id), again);
      expectRecord(await store.rejectionById('log', 'empty'), empty);
    });

    it('[S24] checkpoints are stored, listed and found by id, and never overwritten', async () => {
      const checkpoints = [record('turn-1'), record('turn-2', new Uint8Array(0)), record(randomUUID())];
      for (const c of checkpoints) await store.putCheckpoint('log', c);
      expectRecords(await store.listCheckpoints('log'), checkpoints);
      for (const c of checkpoints) expectRecord(await store.checkpointById('log', c.id), c);
      expect(await store.checkpointById('log', 'turn-')).toBeNull();
      expect(await store.checkpointById('log', 'turn-10')).toBeNull();

      await expect(store.putCheckpoint('log', record('turn-1', bytes(9)))).rejects.toBeInstanceOf(DuplicateEventError);
      await expect(store.putCheckpoint('log', record('turn-2', bytes(9)))).rejects.toBeInstanceOf(DuplicateEventError);
      expectRecords(await store.listCheckpoints('log'), checkpoints);
      expectRecord(await store.checkpointById('log', 'turn-1'), checkpoints[0] as StoredRecord);

      const err = await store.putCheckpoint('log', { id: 'bad', data: 'x' } as unknown as StoredRecord).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(DuplicateEventError);
      expect(await store.checkpointById('log', 'bad')).toBeNull();

      store = await h.reopen(store);
      expectRecords(await store.listCheckpoints('log'), checkpoints);
      await expect(store.putCheckpoint('log', record('turn-1'))).rejects.toBeInstanceOf(DuplicateEventError);
    });

    it('[S29] open approvals are put, overwritten, listed, deleted exactly, isolated per log and durable', async () => {
      const a = record(randomUUID(), bytes(1, 2));
      const b = record(randomUUID(), bytes(3));
      await store.putApproval('log', a);
      await store.putApproval('log', b);
      await store.putApproval('log-2', record('other', bytes(9)));
      expectRecords(await store.listApprovals('log'), [a, b]);
      const a2 = { id: a.id, data: bytes(7, 7) };
      await store.putApproval('log', a2);
      expectRecords(await store.listApprovals('log'), [a2, b]);
      await store.deleteApproval('log', b.id);
      await store.deleteApproval('log', 'never-there');
      expectRecords(await store.listApprovals('log'), [a2]);
      store = await h.reopen(store);
      expectRecords(await store.listApprovals('log'), [a2]);
      expectRecords(await store.listApprovals('log-2'), [record('other', bytes(9))]);
      // Approvals are not checkpoints, rejections or entries.
      expect(await store.listCheckpoints('log')).toEqual([]);
      expect(await store.rejectionById('log', a.id)).toBeNull();
      expect(await store.eventById('log', a.id)).toBeNull();
      await store.deleteApproval('log', a.id);
      expect(await store.listApprovals('log')).toEqual([]);
    });

    it('[S24] of concurrent puts of one checkpoint id exactly one lands', async () => {
      const claimants = Array.from({ length: 20 }, (_, i) => record('race', bytes(i, ...randomBytes(8))));
      const results = await Promise.allSettled(claimants.map((c) => store.putCheckpoint('log', c)));
      const winners = claimants.filter((_, i) => results[i]?.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DuplicateEventError);
      expectRecord(await store.checkpointById('log', 'race'), winners[0]);
      expectRecords(await store.listCheckpoints('log'), winners);
    });

    it(
      '[S25] 1 MB entries, replacements, rejections and checkpoints round-trip byte-exact',
      async () => {
        const mb = (): Uint8Array => new Uint8Array(randomBytes(1024 * 1024));
        const big = entry(2, 'big', mb());
        const replacement = entry(3, 'replaced', mb());
        const rejection = record('big-rejection', mb());
        const checkpoint = record('big-checkpoint', mb());
        await store.appendEvents('log', [entry(1, 'small'), big, entry(3, 'replaced')]);
        await store.replaceEvent('log', replacement);
        await store.putRejection('log', rejection);
        await store.putCheckpoint('log', checkpoint);

        const check = async (): Promise<void> => {
          expectEvents(await store.readEvents('log', 1, ALL), [entry(1, 'small'), big, replacement]);
          expectEvent(await store.eventById('log', 'big'), big);
          expectRecord(await store.rejectionById('log', rejection.id), rejection);
          expectRecord(await store.checkpointById('log', checkpoint.id), checkpoint);
        };
        await check();
        store = await h.reopen(store);
        await check();
      },
      LARGE_TEST_TIMEOUT_MS,
    );

    it(
      '[S26] 10,000 small entries appended in batches of 100 read back page by page',
      async () => {
        const total = 10_000;
        const events = Array.from({ length: total }, (_, i) => entry(i + 1, randomUUID(), bytes(...randomBytes(24))));
        for (let i = 0; i < total; i += 100) await store.appendEvents('log', events.slice(i, i + 100));
        expect(await store.lastSequence('log')).toBe(total);

        // An odd page size, so pages straddle the batches.
        const pageSize = 257;
        let pages = 0;
        for (let from = 1; from <= total; from += pageSize) {
          const page = await store.readEvents('log', from, pageSize);
          expectEvents(page, events.slice(from - 1, from - 1 + pageSize), `page from ${from}`);
          pages++;
        }
        expect(pages).toBe(Math.ceil(total / pageSize));
        expect(await store.readEvents('log', total + 1, pageSize)).toEqual([]);

        for (let i = 0; i < total; i += 97) {
          expectEvent(await store.eventById('log', events[i]?.id ?? ''), events[i] as StoredEvent);
        }
      },
      LARGE_TEST_TIMEOUT_MS,
    );

    it('[S27] every event-log operation after close rejects with an Error and writes nothing', async () => {
      await store.appendEvents('log', [entry(1, 'a')]);
      await h.close(store);

      const calls: [string, () => Promise<unknown>][] = [
        ['appendEvents', () => store.appendEvents('log', [entry(2, 'b')])],
        ['readEvents', () => store.readEvents('log', 1, ALL)],
        ['eventById', () => store.eventById('log', 'a')],
        ['lastSequence', () => store.lastSequence('log')],
        ['replaceEvent', () => store.replaceEvent('log', entry(1, 'a', bytes(9)))],
        ['putRejection', () => store.putRejection('log', record('r'))],
        ['rejectionById', () => store.rejectionById('log', 'r')],
        ['putCheckpoint', () => store.putCheckpoint('log', record('c'))],
        ['listCheckpoints', () => store.listCheckpoints('log')],
        ['checkpointById', () => store.checkpointById('log', 'c')],
      ];
      for (const [name, call] of calls) await expect(call(), name).rejects.toBeInstanceOf(Error);

      store = await h.open();
      expectEvents(await store.readEvents('log', 1, ALL), [entry(1, 'a')]);
      expect(await store.rejectionById('log', 'r')).toBeNull();
      expect(await store.listCheckpoints('log')).toEqual([]);
    });
  });
}

/** An entry whose default data is derived from its sequence and id, so every entry is distinct. */
function entry(sequence: number, id: string = `intent-${sequence}`, data?: Uint8Array): StoredEvent {
  return { sequence, id, data: data ?? new Uint8Array(Buffer.from(`${sequence}:${id}`)) };
}

function record(id: string, data?: Uint8Array): StoredRecord {
  return { id, data: data ?? new Uint8Array(Buffer.from(`record:${id}`)) };
}

async function expectEmpty(store: Store, log: string): Promise<void> {
  const what = `log ${JSON.stringify(log)}`;
  expect(await store.lastSequence(log), what).toBe(0);
  expect(await store.readEvents(log, 1, ALL), what).toEqual([]);
  expect(await store.readEvents(log, 0, 10), what).toEqual([]);
  expect(await store.eventById(log, 'a'), what).toBeNull();
  expect(await store.rejectionById(log, 'r'), what).toBeNull();
  expect(await store.checkpointById(log, 'c'), what).toBeNull();
  expect(await store.listCheckpoints(log), what).toEqual([]);
}

function expectEvent(actual: StoredEvent | null | undefined, expected: StoredEvent, what?: string): void {
  expect(actual, what).toBeTruthy();
  expect(actual?.sequence, what).toBe(expected.sequence);
  expect(actual?.id, what).toBe(expected.id);
  expectBytes(actual?.data, expected.data, what);
}

function expectEvents(actual: readonly StoredEvent[], expected: readonly StoredEvent[], what?: string): void {
  // One comparison per list: keys and bytes side by side read well on failure and keep 10,000 entries fast.
  const view = (e: StoredEvent): [number, string, string] => [e.sequence, e.id, fingerprint(e.data)];
  expect(actual.map(view), what).toEqual(expected.map(view));
}

/** Hex for small values, a hash for large ones; anything but a Uint8Array is shown as what it is. */
function fingerprint(data: unknown): string {
  if (!(data instanceof Uint8Array)) return `not a Uint8Array: ${Object.prototype.toString.call(data)}`;
  return data.byteLength <= 4096 ? hex(data) : `${data.byteLength} bytes, sha256 ${digest(data)}`;
}

function expectRecord(
  actual: StoredRecord | null | undefined,
  expected: StoredRecord | undefined,
  what?: string,
): void {
  expect(actual, what).toBeTruthy();
  expect(actual?.id, what).toBe(expected?.id);
  expectBytes(actual?.data, expected?.data, what);
}

/** Order-independent: listCheckpoints promises no order. */
function expectRecords(actual: readonly StoredRecord[], expected: readonly StoredRecord[], what?: string): void {
  const byId = (a: StoredRecord, b: StoredRecord): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sortedActual = [...actual].sort(byId);
  const sortedExpected = [...expected].sort(byId);
  expect(
    sortedActual.map((r) => r.id),
    what,
  ).toEqual(sortedExpected.map((r) => r.id));
  sortedActual.forEach((r, i) => expectBytes(r.data, sortedExpected[i]?.data, `${what ?? 'record'} ${r.id}`));
}
