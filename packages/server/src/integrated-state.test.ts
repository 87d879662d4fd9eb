import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeIntegratedState, encodeIntegratedStateSized, writeIntegratedState } from './integrated-state.ts';

function sampleDoc(): Y.Doc {
  const doc = new Y.Doc();
  const map = doc.getMap('tokens');
  for (let i = 0; i < 300; i++) map.set(`t${i}`, { x: i, y: i * 2, name: `token ${i}`.repeat(3) });
  const text = doc.getText('notes');
  text.insert(0, 'hello world '.repeat(200));
  text.delete(10, 500);
  for (let i = 0; i < 100; i += 3) map.delete(`t${i}`);
  return doc;
}

/** A doc holding an update whose dependencies never arrived (pending structs and deletes). */
function docWithPending(): Y.Doc {
  const source = new Y.Doc();
  source.getText('t').insert(0, 'abc');
  const sv = Y.encodeStateVector(source);
  source.getText('t').insert(3, 'def');
  source.getText('t').delete(0, 1);
  const second = Y.encodeStateAsUpdate(source, sv);
  const doc = sampleDoc();
  Y.applyUpdate(doc, second);
  expect(doc.store.pendingStructs).not.toBeNull();
  return doc;
}

describe('writeIntegratedState', () => {
  it('writes exactly what encodeIntegratedState returns, pending structs left out and kept', () => {
    for (const doc of [new Y.Doc(), sampleDoc(), docWithPending()]) {
      const pending = doc.store.pendingStructs;
      const encoder = encoding.createEncoder();
      writeIntegratedState(doc, encoder);
      expect(encoding.toUint8Array(encoder)).toEqual(encodeIntegratedState(doc));
      expect(doc.store.pendingStructs).toBe(pending);
    }
  });
});

describe('encodeIntegratedStateSized', () => {
  it('gives the same bytes whatever the size hint', () => {
    const doc = docWithPending();
    const want = encodeIntegratedState(doc);
    for (const hint of [0, 1, 100, want.byteLength - 1, want.byteLength, want.byteLength * 3]) {
      expect(encodeIntegratedStateSized(doc, hint)).toEqual(want);
    }
  });

  it('writes in place when the hint is large enough', () => {
    const doc = sampleDoc();
    const want = encodeIntegratedState(doc);
    const got = encodeIntegratedStateSized(doc, want.byteLength + 100);
    expect(got.byteOffset).toBe(0);
    expect(got.buffer.byteLength).toBe(want.byteLength + 100);
  });
});
