import * as Y from 'yjs';

/**
 * `Y.encodeStateAsUpdate` without the doc's pending structs and deletes
 * (operations whose dependencies never arrived). Yjs appends those to every
 * state encoding, but they are not part of the document: a client can send
 * any number of them, they may never resolve here, and a receiver that gets
 * them merged into one update may integrate slices of them that this doc
 * never will, so it would silently diverge from the room ([P13]). The store
 * and joiners get only what the room has integrated; a client that sent a
 * legitimately early update still holds it and resends it on its next sync.
 */
export function encodeIntegratedState(doc: Y.Doc, encodedStateVector?: Uint8Array): Uint8Array {
  const { pendingStructs, pendingDs } = doc.store;
  doc.store.pendingStructs = null;
  doc.store.pendingDs = null;
  try {
    return Y.encodeStateAsUpdate(doc, encodedStateVector);
  } finally {
    doc.store.pendingStructs = pendingStructs;
    doc.store.pendingDs = pendingDs;
  }
}
