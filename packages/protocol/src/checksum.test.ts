import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docChecksum } from './checksum.ts';

describe('docChecksum', () => {
  it('[P7] equal operation sets hash equal even when delivered in different groupings', () => {
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    const text = source.getText('t');
    for (let i = 0; i < 50; i++) text.insert(i % 7, `w${i}`);
    text.delete(3, 10);
    source.getMap('m').set('a', 1);
    source.getMap('m').delete('a');

    const oneByOne = new Y.Doc();
    for (const u of updates) Y.applyUpdate(oneByOne, u);
    const merged = new Y.Doc();
    Y.applyUpdate(merged, Y.mergeUpdates(updates));
    const fromState = new Y.Doc();
    Y.applyUpdate(fromState, Y.encodeStateAsUpdate(source));

    expect(docChecksum(oneByOne)).toBe(docChecksum(source));
    expect(docChecksum(merged)).toBe(docChecksum(source));
    expect(docChecksum(fromState)).toBe(docChecksum(source));
  });

  it('[P7] a missing insert or a missing delete changes the checksum', () => {
    const a = new Y.Doc();
    a.getArray('x').insert(0, [1, 2, 3]);
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(docChecksum(b)).toBe(docChecksum(a));
    const svBefore = Y.encodeStateVector(a);
    a.getArray('x').delete(0, 1);
    // The delete alone (no new inserts) keeps the state vector but changes the delete set.
    expect(Y.encodeStateVector(a)).toEqual(svBefore);
    expect(docChecksum(a)).not.toBe(docChecksum(b));
    a.getArray('x').insert(0, [9]);
    expect(docChecksum(a)).not.toBe(docChecksum(b));
  });
});
