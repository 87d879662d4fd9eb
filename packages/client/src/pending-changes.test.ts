import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PendingChanges, localChange, parsePending, serializePending } from './pending-changes.ts';
import { localStateVector } from './state-vector.ts';

function recordLocal(doc: Y.Doc, pending: PendingChanges): void {
  doc.on('update', (_update: Uint8Array, _origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
    const change = localChange(transaction);
    if (change) pending.record(transaction.doc.clientID, change.clock, change.deleteOnly);
  });
}

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
    expect(pending.entries[3]).toEqual({ client: doc.clientID, clock: 8, deleteOnly: true });
    expect(pending.hasDeletes).toBe(true);

    // A transaction that changes nothing is no change.
    doc.transact(() => {});
    expect(pending.count).toBe(4);
  });
});

describe('PendingChanges', () => {
  it('drops entries once a saved state vector covers them', () => {
    const pending = new PendingChanges([
      { client: 1, clock: 2 },
      { client: 1, clock: 5 },
      { client: 2, clock: 1 },
    ]);
    expect(pending.confirm(new Map([[1, 4]]))).toBe(true);
    expect(pending.entries).toEqual([
      { client: 1, clock: 5 },
      { client: 2, clock: 1 },
    ]);
    expect(pending.confirm(new Map([[1, 4]]))).toBe(false);
    pending.confirm(
      new Map([
        [1, 5],
        [2, 1],
      ]),
    );
    expect(pending.count).toBe(0);
  });

  it('never lets a state vector confirm a delete; only confirmDeletes does', () => {
    const pending = new PendingChanges([
      { client: 1, clock: 2 },
      { client: 1, clock: 2, deleteOnly: true },
    ]);
    pending.confirm(new Map([[1, 100]]));
    expect(pending.entries).toEqual([{ client: 1, clock: 2, deleteOnly: true }]);
    expect(pending.confirmDeletes()).toBe(true);
    expect(pending.count).toBe(0);
  });

  it('prunes entries whose operations the doc never stored', () => {
    const doc = new Y.Doc();
    doc.getMap('m').set('a', 1);
    const pending = new PendingChanges([
      { client: doc.clientID, clock: 1 },
      { client: doc.clientID, clock: 2 },
    ]);
    expect(pending.pruneUnknown(localStateVector(doc))).toBe(true);
    expect(pending.entries).toEqual([{ client: doc.clientID, clock: 1 }]);
  });

  it('round-trips through its text form', () => {
    const entries = [
      { client: 123456789, clock: 3 },
      { client: 123456789, clock: 9 },
      { client: 42, clock: 1 },
      { client: 42, clock: 1, deleteOnly: true },
    ];
    const parsed = parsePending(serializePending(entries));
    expect(parsed).toHaveLength(4);
    expect(parsed).toEqual(expect.arrayContaining(entries));
    expect(parsePending(undefined)).toEqual([]);
    expect(parsePending('garbage')).toEqual([]);
    expect(parsePending('{"v":99,"c":{}}')).toEqual([]);
  });
});
