import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { splitUpdate } from './update-pieces.ts';

/** A document edited by several clients: text, maps, arrays, deletions, nested types. */
function editedDocs(seed: number, edits: number): { merged: Y.Doc; clients: Y.Doc[] } {
  let state = seed >>> 0 || 1;
  const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
  for (let i = 0; i < edits; i++) {
    const doc = docs[Math.floor(rand() * docs.length)]!;
    const pick = rand();
    const text = doc.getText('notes');
    if (pick < 0.3) text.insert(Math.floor(rand() * (text.length + 1)), 'x'.repeat(1 + Math.floor(rand() * 300)));
    else if (pick < 0.4 && text.length > 0) text.delete(Math.floor(rand() * text.length), 1 + Math.floor(rand() * 20));
    else if (pick < 0.6) doc.getMap('tokens').set(`t${Math.floor(rand() * 10)}`, { x: Math.floor(rand() * 100), blob: 'b'.repeat(Math.floor(rand() * 2000)) });
    else if (pick < 0.7) doc.getMap('tokens').delete(`t${Math.floor(rand() * 10)}`);
    else if (pick < 0.85) doc.getArray('chat').push([`line ${i}`]);
    else {
      const nested = new Y.Map<number>();
      doc.getArray('scenes').push([nested]);
      nested.set('n', i);
    }
    // Now and then the clients exchange what they have, so their edits depend on each other's.
    if (rand() < 0.2) {
      const [a, b] = [docs[Math.floor(rand() * 3)]!, docs[Math.floor(rand() * 3)]!];
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
    }
  }
  const merged = new Y.Doc();
  for (const doc of docs) Y.applyUpdate(merged, Y.encodeStateAsUpdate(doc));
  return { merged, clients: docs };
}

const same = (a: Y.Doc, b: Y.Doc) => {
  expect(Y.encodeStateVector(b)).toEqual(Y.encodeStateVector(a));
  expect(b.getText('notes').toString()).toBe(a.getText('notes').toString());
  expect(b.getMap('tokens').toJSON()).toEqual(a.getMap('tokens').toJSON());
  expect(b.getArray('chat').toJSON()).toEqual(a.getArray('chat').toJSON());
  expect(b.getArray('scenes').toJSON()).toEqual(a.getArray('scenes').toJSON());
  expect(b.store.pendingStructs).toBeNull();
  expect(b.store.pendingDs).toBeNull();
};

describe('splitUpdate', () => {
  it('[P16] pieces applied in order make the same document as the whole update, for any piece size, from empty and from part of it (seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 0, max: 3 }), (seed, edits, maxBytes, partial) => {
        const { merged: doc, clients } = editedDocs(seed, edits);
        // A joiner that has nothing, or already has what one of the editing clients had.
        const joiner = new Y.Doc();
        if (partial > 0) Y.applyUpdate(joiner, Y.encodeStateAsUpdate(clients[partial - 1]!));
        const { pieces, deletions } = splitUpdate(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(joiner)), maxBytes);
        for (const piece of pieces) Y.applyUpdate(joiner, piece);
        Y.applyUpdate(joiner, deletions);
        same(doc, joiner);
      }),
      { seed: 20261206, numRuns: 150 },
    );
  });

  it('[P16] pieces stay near the size asked for: a struct larger than it goes alone', () => {
    const doc = new Y.Doc();
    for (let i = 0; i < 40; i++) doc.getMap('pieces').set(`p${i}`, 'z'.repeat(50_000));
    doc.getMap('pieces').set('big', 'y'.repeat(600_000));
    const { pieces } = splitUpdate(Y.encodeStateAsUpdate(doc), 200_000);
    expect(pieces.length).toBeGreaterThan(8);
    for (const piece of pieces) expect(piece.byteLength).toBeLessThan(650_000);
    expect(pieces.filter((p) => p.byteLength > 260_000)).toHaveLength(1);
  });
});
