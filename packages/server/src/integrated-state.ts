import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { presizedEncoder } from './presized-encoder.ts';

/**
 * Runs `encode` with the doc's pending structs and deletes (operations whose
 * dependencies never arrived) set aside. Yjs appends those to every state
 * encoding, but they are not part of the document: a client can send any
 * number of them, they may never resolve here, and a receiver that gets them
 * merged into one update may integrate slices of them that this doc never
 * will, so it would silently diverge from the room ([P13]). The store and
 * joiners get only what the room has integrated; a client that sent a
 * legitimately early update still holds it and resends it on its next sync.
 */
function withoutPending<T>(doc: Y.Doc, encode: () => T): T {
  const { pendingStructs, pendingDs } = doc.store;
  doc.store.pendingStructs = null;
  doc.store.pendingDs = null;
  try {
    return encode();
  } finally {
    doc.store.pendingStructs = pendingStructs;
    doc.store.pendingDs = pendingDs;
  }
}

/** `Y.encodeStateAsUpdate` of what the doc has integrated. */
export function encodeIntegratedState(doc: Y.Doc, encodedStateVector?: Uint8Array): Uint8Array {
  return withoutPending(doc, () => Y.encodeStateAsUpdate(doc, encodedStateVector));
}

const NO_BYTES = new Uint8Array(0);

/** A V1 update encoder writing into a given lib0 encoder, and leaving its bytes there. */
class UpdateEncoderInto extends Y.UpdateEncoderV1 {
  constructor(rest: encoding.Encoder) {
    super();
    this.restEncoder = rest;
  }

  /** The bytes stay in the lib0 encoder: its owner decides whether they need copying at all. */
  override toUint8Array(): Uint8Array {
    return NO_BYTES;
  }
}

/**
 * Writes what `encodeIntegratedState(doc)` returns into `encoder`. For a
 * large document this saves the copy `encodeStateAsUpdate` makes of its
 * encoder, and lets the caller give the encoder a buffer of the right size up
 * front (no doubling pieces) or one that already has room for what goes
 * around the state (a frame header).
 */
export function writeIntegratedState(doc: Y.Doc, encoder: encoding.Encoder): void {
  withoutPending(doc, () => Y.encodeStateAsUpdateV2(doc, undefined, new UpdateEncoderInto(encoder)));
}

/**
 * The doc's integrated state in one buffer, written in place when
 * `sizeHint` (an estimate of its length) is large enough, so that a large
 * document costs one buffer of its size rather than the encoder's growing
 * pieces and their concatenation.
 */
export function encodeIntegratedStateSized(doc: Y.Doc, sizeHint: number): Uint8Array {
  const encoder = sizeHint > 0 ? presizedEncoder(sizeHint) : encoding.createEncoder();
  writeIntegratedState(doc, encoder);
  return encoder.bufs.length === 0 ? encoder.cbuf.subarray(0, encoder.cpos) : encoding.toUint8Array(encoder);
}
