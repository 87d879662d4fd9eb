import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decodeDeleteSet, encodeDeleteSet } from './delete-set.ts';

describe('delete set codec', () => {
  it('[P6] encodes exactly as Yjs writes a delete set, and decodes back', () => {
    const a = new Y.Doc();
    a.clientID = 7;
    const b = new Y.Doc();
    b.clientID = 300;
    a.getArray('x').insert(0, [1, 2, 3, 4, 5]);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    b.getArray('x').insert(0, ['b1', 'b2']);
    b.getArray('x').delete(1, 3);
    b.getArray('x').delete(3, 1);
    const ds = Y.createDeleteSetFromStructStore(b.store);
    const ours = encodeDeleteSet(ds.clients);
    // encodeSnapshot writes the delete set first, then the state vector.
    const sv = encoding.createEncoder();
    encoding.writeVarUint(sv, 0);
    const yjs = Y.encodeSnapshot(Y.createSnapshot(ds, new Map()));
    expect(yjs).toEqual(new Uint8Array([...ours, ...encoding.toUint8Array(sv)]));
    const decoded = decodeDeleteSet(ours);
    expect(Array.from(decoded.keys()).sort()).toEqual(Array.from(ds.clients.keys()).sort());
    for (const [client, items] of ds.clients) {
      expect(decoded.get(client)).toEqual(items.map(({ clock, len }) => ({ clock, len })));
    }
  });

  it('[P1] rejects truncated and trailing bytes', () => {
    const bytes = encodeDeleteSet(new Map([[5, [{ clock: 1, len: 2 }]]]));
    expect(() => decodeDeleteSet(bytes.slice(0, -1))).toThrow();
    expect(() => decodeDeleteSet(new Uint8Array([...bytes, 0]))).toThrow();
  });
});
