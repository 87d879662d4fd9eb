import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { settlePendingStructs } from './pending-structs.ts';

/**
 * Client 1 writes b0, b1, b2 in a row; client 2 writes a0 after b0. One
 * update carries a0 and b2 (a gap before it), the next b0 alone: a0 can
 * integrate then, b2 cannot. Client 2's operations are read first (Yjs
 * goes from the highest client id down), which is what sets the update
 * aside as waiting for b1, not b0.
 */
function scenario() {
  const b = new Y.Doc();
  b.clientID = 1;
  const fromB: Uint8Array[] = [];
  b.on('update', (u: Uint8Array) => fromB.push(u));
  for (const [i, text] of ['b0', 'b1', 'b2'].entries()) b.getArray('moves').insert(i, [text]);
  const a = new Y.Doc();
  a.clientID = 2;
  Y.applyUpdate(a, fromB[0]!);
  const fromA: Uint8Array[] = [];
  a.on('update', (u: Uint8Array) => fromA.push(u));
  a.getArray('moves').insert(1, ['a0']);
  return { aAndGap: Y.mergeUpdates([fromA[0]!, fromB[2]!]), b0: fromB[0]!, b1: fromB[1]! };
}

describe('[P17] pending operations Yjs could integrate', () => {
  it('plain Yjs keeps an operation pending once what it needs has arrived (the defect this works around)', () => {
    const { aAndGap, b0 } = scenario();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, aAndGap);
    Y.applyUpdate(doc, b0);
    // If this starts failing, Yjs fixed it: settlePendingStructs can go.
    expect(doc.getArray('moves').toJSON()).toEqual(['b0']);
  });

  it('a settled doc integrates it as soon as it can, and the rest once the gap is filled', () => {
    const { aAndGap, b0, b1 } = scenario();
    const doc = new Y.Doc();
    settlePendingStructs(doc);
    const origins: unknown[] = [];
    doc.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin));
    Y.applyUpdate(doc, aAndGap, 'first');
    Y.applyUpdate(doc, b0, 'b0');
    expect(doc.getArray('moves').toJSON()).toEqual(['b0', 'a0']);
    expect(doc.store.pendingStructs).not.toBeNull();
    // What b0 made ready comes in under b0's origin, as Yjs's own retries do.
    expect(origins).toEqual(['b0', 'b0']);
    Y.applyUpdate(doc, b1, 'b1');
    expect(doc.getArray('moves').toJSON()).toEqual(['b0', 'b1', 'b2', 'a0']);
    expect(doc.store.pendingStructs).toBeNull();
  });

  it('the updates of several clients, in any order and any grouping, always give the doc that applying them all at once gives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), (seed, choices) => {
        // Three clients editing one array, each seeing the others' updates late.
        const docs = [1, 2, 3].map((id) => {
          const d = new Y.Doc();
          d.clientID = id;
          return d;
        });
        const updates: Uint8Array[] = [];
        const seen = docs.map(() => 0);
        let r = seed;
        const next = () => (r = (r * 48271) % 2147483647);
        for (const choice of choices) {
          const n = choice % 3;
          const d = docs[n]!;
          // Catch up on part of what was written so far.
          const upTo = seen[n]! + (next() % (updates.length - seen[n]! + 1));
          for (const u of updates.slice(seen[n], upTo)) Y.applyUpdate(d, u);
          seen[n] = upTo;
          const before = Y.encodeStateVector(d);
          const moves = d.getArray<string>('moves');
          moves.insert(next() % (moves.length + 1), [`${n}-${updates.length}`]);
          updates.push(Y.encodeStateAsUpdate(d, before));
        }
        const whole = new Y.Doc();
        Y.applyUpdate(whole, Y.mergeUpdates(updates));
        // Deliver them shuffled, some merged together.
        const shuffled = updates.map((u) => ({ u, k: next() })).sort((x, y) => x.k - y.k).map(({ u }) => u);
        const doc = new Y.Doc();
        settlePendingStructs(doc);
        for (let i = 0; i < shuffled.length; ) {
          const take = 1 + (next() % 3);
          Y.applyUpdate(doc, Y.mergeUpdates(shuffled.slice(i, i + take)));
          i += take;
        }
        expect(doc.getArray('moves').toJSON()).toEqual(whole.getArray('moves').toJSON());
        expect(doc.store.pendingStructs).toBeNull();
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });
});
