import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type PendingEntry, PendingChanges, localChange, parsePending, serializePending } from './pending-changes.ts';
import { localStateVector } from './state-vector.ts';

function recordLocal(doc: Y.Doc, pending: PendingChanges): void {
  doc.on('update', (_update: Uint8Array, _origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
    const change = localChange(transaction);
    if (change) pending.record(transaction.doc.clientID, change);
  });
}

const add = (client: number, clock: number): PendingEntry => ({ client, clock, adds: true, deletes: [] });

describe('localChange', () => {
  it('counts own transactions, including delete-only ones, and not remote ones', () => {
    const doc = new Y.Doc();
    const pending = new PendingChanges();
    recordLocal(doc, pending);
    const map = doc.getMap<number>('m');
    map.set('a', 1);
    doc.transact(() => {
      map.set('b', 2);
      map.set('c', 3);
    });
    doc.getText('t').insert(0, 'hello');
    expect(pending.entries.map((e) => e.clock)).toEqual([1, 3, 8]);

    const remote = new Y.Doc();
    remote.getMap('m').set('z', 26);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote));
    expect(pending.count).toBe(3);

    doc.getText('t').delete(0, 2);
    expect(pending.count).toBe(4);
    expect(pending.entries[3]).toEqual({ client: doc.clientID, clock: 8, adds: false, deletes: [[doc.clientID, 3, 2]] });

    // A transaction that changes nothing is no change.
    doc.transact(() => {});
    expect(pending.count).toBe(4);
  });
});

describe('PendingChanges', () => {
  it('[P6] drops entries once a saved state vector covers them', () => {
    const pending = new PendingChanges([add(1, 2), add(1, 5), add(2, 1)]);
    expect(pending.confirm(new Map([[1, 4]]))).toBe(true);
    expect(pending.entries).toEqual([add(1, 5), add(2, 1)]);
    expect(pending.confirm(new Map([[1, 4]]))).toBe(false);
    pending.confirm(
      new Map([
        [1, 5],
        [2, 1],
      ]),
    );
    expect(pending.count).toBe(0);
  });

  it('[P6] a delete is confirmed only by a saved delete set covering it, possibly across several messages', () => {
    const entry: PendingEntry = { client: 1, clock: 2, adds: false, deletes: [[7, 10, 5]] };
    const pending = new PendingChanges([add(1, 2), entry]);
    pending.confirm(new Map([[1, 100]]));
    expect(pending.entries).toEqual([entry]);
    pending.confirm(new Map(), new Map([[7, [{ clock: 10, len: 2 }]]]));
    expect(pending.count).toBe(1);
    pending.confirm(new Map(), new Map([[7, [{ clock: 12, len: 3 }]]]));
    expect(pending.count).toBe(0);
  });

  it('[P6] a transaction that adds and deletes needs both its clock and its deletes saved', () => {
    const both: PendingEntry = { client: 1, clock: 4, adds: true, deletes: [[2, 0, 1]] };
    const pending = new PendingChanges([both]);
    pending.confirm(new Map(), new Map([[2, [{ clock: 0, len: 1 }]]]));
    expect(pending.count).toBe(1);
    pending.confirm(new Map([[1, 4]]));
    expect(pending.count).toBe(0);
  });

  it('[P6] a deletion announced durable before a local change deletes it again is confirmed by that earlier announcement', () => {
    // Another client's deletion of 3:0, stored; this client hears of it in a join's `saved` before the step 2
    // that brings the deletion itself, and overwrites the same key meanwhile — deleting 3:0 again.
    const pending = new PendingChanges();
    pending.confirm(new Map([[3, 1]]), new Map([[3, [{ clock: 0, len: 1 }]]]));
    pending.record(1, { clock: 15, adds: true, deletes: [[3, 0, 1]] });
    // The batch that stores the change: nothing in it is newly deleted on the server, so no delete set comes again.
    pending.confirm(new Map([[1, 15]]));
    expect(pending.count).toBe(0);
  });

  it('prunes entries whose operations the doc never stored', () => {
    const doc = new Y.Doc();
    doc.getMap('m').set('a', 1);
    const pending = new PendingChanges([add(doc.clientID, 1), add(doc.clientID, 2)]);
    expect(pending.pruneUnknown(localStateVector(doc))).toBe(true);
    expect(pending.entries).toEqual([add(doc.clientID, 1)]);
  });

  it('round-trips through its text form', () => {
    const entries: PendingEntry[] = [add(123456789, 3), add(123456789, 9), add(42, 1), { client: 42, clock: 1, adds: false, deletes: [[5, 0, 3]] }];
    const parsed = parsePending(serializePending(entries));
    expect(parsed).toEqual(entries);
    expect(parsePending(undefined)).toEqual([]);
    expect(parsePending('garbage')).toEqual([]);
    expect(parsePending('{"v":99,"e":[]}')).toEqual([]);
  });
});
