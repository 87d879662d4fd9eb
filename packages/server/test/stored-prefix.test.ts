/**
 * What `saved` may claim is a prefix a load integrates ([P6]): stored, and
 * everything it needs of other clients stored too. Found by the fault test:
 * a move pushed right after another client's move was claimed saved while
 * that move was stored nowhere, so the stored list could not show it.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StoredPrefix, storedRangesOf } from '../src/stored-prefix.ts';

/** The updates of the doc's own edits (not those it applied from others). */
function edits(doc: Y.Doc): Uint8Array[] {
  const made: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => {
    if (tr.local) made.push(u);
  });
  return made;
}

/** Two clients taking turns on one list: each push's left neighbour is the other's last. */
function turns(count: number): { a: Y.Doc; b: Y.Doc; byA: Uint8Array[]; byB: Uint8Array[] } {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const byA = edits(a);
  const byB = edits(b);
  for (let i = 0; i < count; i++) {
    a.getArray('moves').push([`a${i}`]);
    Y.applyUpdate(b, byA[byA.length - 1]!);
    b.getArray('moves').push([`b${i}`]);
    Y.applyUpdate(a, byB[byB.length - 1]!);
  }
  return { a, b, byA, byB };
}

describe('[P6] the stored prefix', () => {
  it('[P6] a run needing another client\'s operation is claimed only once that operation is stored too', () => {
    const { a, b, byA, byB } = turns(1);
    const prefix = new StoredPrefix();
    // b0 went right after a0; a0 is not stored yet.
    expect(prefix.add(storedRangesOf(byB[0]!))).toEqual(new Set());
    expect(prefix.durable.get(b.clientID)).toBeUndefined();
    // a0 stored: b's run joins.
    expect(prefix.add(storedRangesOf(byA[0]!))).toEqual(new Set([a.clientID, b.clientID]));
    expect([prefix.durable.get(a.clientID), prefix.durable.get(b.clientID)]).toEqual([1, 1]);
  });

  it('[P6] runs that need each other, stored in one write, are claimed together', () => {
    const { a, b } = turns(3);
    // One update holding both clients' runs, each needing the other's.
    const both = Y.encodeStateAsUpdate(a);
    const runs = storedRangesOf(both);
    expect([...runs.get(a.clientID)![0]!.needs.keys()]).toEqual([b.clientID]);
    expect([...runs.get(b.clientID)![0]!.needs.keys()]).toEqual([a.clientID]);
    const prefix = new StoredPrefix();
    prefix.add(runs);
    expect([prefix.durable.get(a.clientID), prefix.durable.get(b.clientID)]).toEqual([3, 3]);
  });

  it('[P6] a peer\'s claim is closed in the store: what waited on it is claimed', () => {
    const { a, b, byB } = turns(2);
    const prefix = new StoredPrefix();
    prefix.add(storedRangesOf(byB[1]!));
    prefix.add(storedRangesOf(byB[0]!));
    expect(prefix.durable.get(b.clientID)).toBeUndefined();
    const grown = prefix.add([[a.clientID, [{ from: 0, end: 2, needs: new Map() }]]]);
    expect(grown.has(b.clientID)).toBe(true);
    expect(prefix.durable.get(b.clientID)).toBe(2);
  });

  it('[P6] a skip holds nothing: the gap an update marks is not claimed', () => {
    const client = new Y.Doc();
    const made = edits(client);
    for (let i = 0; i < 3; i++) client.getArray('moves').push([`m${i}`]);
    const partial = new Y.Doc();
    Y.applyUpdate(partial, made[0]!);
    Y.applyUpdate(partial, made[2]!);
    const runs = storedRangesOf(Y.encodeStateAsUpdate(partial)).get(client.clientID)!;
    expect(runs.map(({ from, end }) => [from, end])).toEqual([[0, 1], [2, 3]]);
  });
});
