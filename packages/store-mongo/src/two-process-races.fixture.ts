/**
 * [MO7]: two store objects on one database — two server processes — race
 * the rules that the conformance suites race within one store. Each store
 * has its own client, so nothing in either process serializes them: only
 * the database's unique indexes, conditional updates and transactions do.
 */
import { randomBytes } from 'node:crypto';
import { DuplicateEventError, type Store, type StoredRecord } from '@dungeon-lab/store';
import { type ConformanceTarget, type SuiteOptions, suiteTest } from '@dungeon-lab/store/conformance';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import * as Y from 'yjs';

const T0 = 1_700_000_000_000;
const ROUNDS = 10;

export function runTwoProcessRaces(backendName: string, createTarget: () => Promise<ConformanceTarget<Store>>, options: SuiteOptions = {}): void {
  describe(`two processes on one database: ${backendName}`, () => {
    let target: ConformanceTarget<Store>;
    let one: Store;
    let two: Store;

    beforeEach(async () => {
      target = await createTarget();
      [one, two] = await Promise.all([target.open(), target.open()]);
    });
    afterEach(async () => {
      await Promise.all([one.close(), two.close()]);
      await target.cleanup();
    });

    const test = suiteTest(options);

    test('[S4][S10][MO7] two compactions of one document at once: both snapshots land, exactly the merged rows go, rows appended meanwhile stay', async () => {
      const doc = new Y.Doc();
      const updates: Uint8Array[] = [];
      doc.on('update', (u: Uint8Array) => updates.push(u));
      for (let i = 0; i < 30; i++) doc.getMap('m').set(`k${i}`, i);
      await one.appendUpdates('room', updates.splice(0));
      const merged = await one.loadDoc('room');
      const state = Y.encodeStateAsUpdate(doc);
      const compact = async (store: Store): Promise<string> => {
        const id = await store.writeSnapshot('room', state);
        await store.deleteRows('room', merged.rows.map((r) => r.id));
        return id;
      };
      const later = async (store: Store): Promise<string[]> => {
        doc.getMap('m').set(`later-${Math.random()}`, 1);
        return store.appendUpdates('room', updates.splice(0));
      };
      const [a, b, laterOne, laterTwo] = await Promise.all([compact(one), compact(two), later(one), later(two)]);

      const rows = (await two.loadDoc('room')).rows;
      expect(rows.map((r) => r.id).sort()).toEqual([a, b, ...laterOne, ...laterTwo].sort());
      const replayed = new Y.Doc();
      for (const row of rows) Y.applyUpdate(replayed, row.data);
      expect(replayed.getMap('m').toJSON()).toEqual(doc.getMap('m').toJSON());
    });

    test('[S18][MO7] two processes appending the same sequence, or the same id: exactly one lands', async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const results = await Promise.allSettled([
          one.appendEvents('log', [{ sequence: round, id: `one-${round}`, data: Uint8Array.of(1) }]),
          two.appendEvents('log', [{ sequence: round, id: `two-${round}`, data: Uint8Array.of(2) }]),
          one.appendEvents('log', [{ sequence: 1000 + round, id: `same-${round}`, data: Uint8Array.of(3) }]),
          two.appendEvents('log', [{ sequence: 2000 + round, id: `same-${round}`, data: Uint8Array.of(4) }]),
        ]);
        expectOneWinner(results.slice(0, 2));
        expectOneWinner(results.slice(2));
      }
      const events = await one.readEvents('log', 1, Number.MAX_SAFE_INTEGER);
      expect(events).toHaveLength(2 * ROUNDS);
      expect(new Set(events.map((e) => e.id)).size).toBe(2 * ROUNDS);
      expect(await two.lastSequence('log')).toBe(Math.max(...events.map((e) => e.sequence)));
    });

    test('[S17][MO7] two processes appending overlapping batches: one batch lands whole, the other not at all', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const base = round * 10;
        const batch = (who: string, start: number) =>
          [0, 1, 2].map((i) => ({ sequence: base + start + i, id: `${who}-${round}-${i}`, data: Uint8Array.of(i) }));
        const results = await Promise.allSettled([one.appendEvents('log', batch('one', 1)), two.appendEvents('log', batch('two', 3))]);
        expectOneWinner(results);
        const winner = results[0]?.status === 'fulfilled' ? 'one' : 'two';
        const stored = await one.readEvents('log', base + 1, 5);
        expect(stored.map((e) => e.id.split('-')[0])).toEqual([winner, winner, winner]);
      }
    });

    test('[S22][S29][MO7] two processes resolving the same approval: both calls resolve, the entry holds one answer, the queue holds it no more', async () => {
      await one.appendEvents('log', [{ sequence: 1, id: 'death-save', data: Uint8Array.of(0) }]);
      await one.putApproval('log', { id: 'death-save', data: Uint8Array.of(9) });
      const resolve = async (store: Store, answer: number): Promise<void> => {
        await store.replaceEvent('log', { sequence: 1, id: 'death-save', data: Uint8Array.of(answer) });
        await store.deleteApproval('log', 'death-save');
      };
      await Promise.all([resolve(one, 1), resolve(two, 2)]);
      const [entry] = await two.readEvents('log', 1, 10);
      expect([1, 2]).toContain(entry?.data[0]);
      expect(await one.listApprovals('log')).toEqual([]);
      expect(await two.lastSequence('log')).toBe(1);
    });

    test('[S24][MO7] two processes putting one checkpoint id: exactly one lands, byte-exact', async () => {
      const results = await Promise.allSettled([
        one.putCheckpoint('log', { id: 'turn-1', data: Uint8Array.of(1) }),
        two.putCheckpoint('log', { id: 'turn-1', data: Uint8Array.of(2) }),
      ]);
      expectOneWinner(results);
      const stored = (await one.listCheckpoints('log')) as StoredRecord[];
      expect(stored).toHaveLength(1);
      expect(stored[0]?.data[0]).toBe(results[0]?.status === 'fulfilled' ? 1 : 2);
    });

    test('[SM2][SM5][MO7] two processes creating one session, then demoting its only two GMs: exactly one of each lands', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const id = `s${round}`;
        const created = await Promise.all([
          one.createSession({ id, name: 'one', joinCode: 'a', createdBy: 'a', createdAt: T0 }),
          two.createSession({ id, name: 'two', joinCode: 'b', createdBy: 'b', createdAt: T0 }),
        ]);
        expect(created.map((r) => r.status).sort()).toEqual(['created', 'exists']);
        const gm = created[0]?.status === 'created' ? 'a' : 'b';
        const other = gm === 'a' ? 'b' : 'a';
        await one.addMember(id, { userId: other, role: 'gm', joinedAt: T0 + 1 });
        const demoted = await Promise.all([one.setMemberRole(id, gm, 'player'), two.removeMember(id, other)]);
        expect(demoted.filter((r) => r.status === 'last-gm')).toHaveLength(1);
        expect((await two.listMembers(id)).filter((m) => m.role === 'gm')).toHaveLength(1);
      }
    });

    test('[SM3][SM12][MO7] two processes adding one user under different names: one adds, both answer the same member', async () => {
      await one.createSession({ id: 's', name: 'n', joinCode: 'c', createdBy: 'gm', createdAt: T0 });
      const added = await Promise.all([
        one.addMember('s', { userId: 'bob', role: 'player', joinedAt: T0 + 1 }),
        two.addMember('s', { userId: 'bob', role: 'gm', joinedAt: T0 + 2 }),
      ]);
      expect(added.map((r) => r.status).sort()).toEqual(['added', 'exists']);
      const members = (await two.listMembers('s')).filter((m) => m.userId === 'bob');
      expect(members).toHaveLength(1);
      for (const r of added) expect(r).toMatchObject({ member: members[0] });
    });

    test('[SM9][MO7] two processes claiming one secret get the same bytes', async () => {
      const claims = await Promise.all([one.claimSecret('key', randomBytes(32)), two.claimSecret('key', randomBytes(32))]);
      expect(Buffer.from(claims[0] as Uint8Array).equals(claims[1] as Uint8Array)).toBe(true);
    });

    test('[CI3][MO7] two processes leasing client ids of one document never get the same id', async () => {
      const leases = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? one : two).leaseClientId('room', `user-${i}`)));
      expect(new Set(leases).size).toBe(leases.length);
      for (const [i, id] of leases.entries()) expect(await (i % 2 === 0 ? two : one).clientIdOwner('room', id)).toBe(`user-${i}`);
    });

    test('[AU5][MO7] two processes appending to one audit log: every record lands, ids distinct, each call\u2019s records adjacent', async () => {
      const calls = Array.from({ length: 20 }, (_, i) => ({ store: i % 2 === 0 ? one : two, label: `c${i}` }));
      const ids = await Promise.all(
        calls.map(({ store, label }) => store.appendAudit('audit', [label, `${label}+`].map((l) => ({ at: T0, data: new TextEncoder().encode(l) })))),
      );
      expect(new Set(ids.flat()).size).toBe(40);
      const order = (await one.readAudit('audit', { limit: 100 })).map((r) => new TextDecoder().decode(r.data));
      expect(order).toHaveLength(40);
      for (const { label } of calls) expect(order.indexOf(label)).toBe(order.indexOf(`${label}+`) + 1);
    });

    test('[AS5][MO7] two processes putting assets into one session cannot pass its quota', async () => {
      const puts = Array.from({ length: 8 }, (_, i) => ({ store: i % 2 === 0 ? one : two, data: new Uint8Array(randomBytes(300)) }));
      const results = await Promise.all(puts.map(({ store, data }) => store.putAsset('s', { type: 'image/png', width: 1, height: 1, data }, 1000)));
      expect(results.filter((r) => r.status === 'stored')).toHaveLength(3);
      expect(await two.sessionAssetBytes('s')).toBe(900);
    });
  });
}

function expectOneWinner(results: PromiseSettledResult<unknown>[]): void {
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DuplicateEventError);
}
