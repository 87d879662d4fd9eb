import {
  type DocSchema,
  ENTITY_VERSION_KEY,
  type JsonObject,
  type JsonPatchOp,
  META_ROOT,
  META_SEQUENCE_KEY,
  type StateReader,
  applyPatchToDoc,
  checkPatchOnDoc,
  createDocReader,
  projectDoc,
  touchedEntities,
} from '@dungeon-lab/events';
import { docChecksum } from '@dungeon-lab/protocol';
import type { Fence } from '@dungeon-lab/store';
import * as Y from 'yjs';
import { type ServerWriteReason, serverOrigin } from '../room-origin.ts';

/**
 * What the event log may do with one of a session's documents ([EL9],
 * [EL16]): read it, and write a patch in one transaction whose origin is the
 * server. Nothing of the room around it (its sockets, its storage) is in
 * reach, so the sequencer works the same wherever the document lives.
 */
export interface SessionDoc {
  /** Lazy reads of the document's JSON ([EM9]). */
  reader(): StateReader;
  /** The whole JSON view ([EM8]). */
  project(): JsonObject;
  /** The last sequence whose effects the document holds ([EL9]); each session document keeps its own ([EL16]). */
  appliedSequence(): number;
  /** Whether the map root `root` has the key `id` (an entity id, [EL17]). */
  hasEntity(root: string, id: string): boolean;
  stateVector(): Uint8Array;
  /** The whole state as one Yjs update. */
  encodeState(): Uint8Array;
  /** The drift checksum ([P7]). */
  checksum(): string;
  /** Throws what `applyPatch` would, writing nothing ([EM7]). */
  checkPatch(patch: readonly JsonPatchOp[]): void;
  /**
   * Writes `patch`, the `_version` bumps of the entities it touches and
   * `/meta/sequence` = `sequence` in ONE transaction whose origin is the
   * server with `reason`: stored as one update, so "effects present" and
   * "sequence recorded" never disagree after a crash ([EL9]). Throws,
   * changing nothing, if the patch no longer applies.
   */
  applyPatch(patch: readonly JsonPatchOp[], sequence: number, reason: ServerWriteReason): void;
  /** Records `/meta/sequence` = `sequence` alone when the document is behind it ([EL18]). */
  markChecked(sequence: number, reason: ServerWriteReason): void;
}

function decodeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function bumpVersion(doc: Y.Doc, entity: string): void {
  const [, root, key] = entity.split('/');
  const node = doc.getMap(decodeSegment(root!)).get(decodeSegment(key!));
  if (!(node instanceof Y.Map)) return;
  const current = node.get(ENTITY_VERSION_KEY);
  node.set(ENTITY_VERSION_KEY, (typeof current === 'number' ? current : 0) + 1);
}

/**
 * The handle of `doc`, whose roots are `schema`'s; its writes are stored under
 * `fence`, the sequencer's claim on the session's log ([EL24]).
 */
export function sessionDoc(doc: Y.Doc, schema: DocSchema, fence?: Fence): SessionDoc {
  const appliedSequence = (): number => {
    const value = doc.getMap(META_ROOT).get(META_SEQUENCE_KEY);
    return typeof value === 'number' && Number.isInteger(value) ? value : 0;
  };
  return {
    reader: () => createDocReader(doc, schema),
    project: () => projectDoc(doc, schema),
    appliedSequence,
    hasEntity: (root, id) => doc.getMap(root).has(id),
    stateVector: () => Y.encodeStateVector(doc),
    encodeState: () => Y.encodeStateAsUpdate(doc),
    checksum: () => docChecksum(doc),
    checkPatch: (patch) => checkPatchOnDoc(doc, schema, patch),
    applyPatch(patch, sequence, reason) {
      doc.transact(() => {
        applyPatchToDoc(doc, schema, patch);
        for (const entity of touchedEntities(patch, schema)) bumpVersion(doc, entity);
        doc.getMap(META_ROOT).set(META_SEQUENCE_KEY, sequence);
      }, serverOrigin(reason, fence));
    },
    markChecked(sequence, reason) {
      if (appliedSequence() >= sequence) return;
      doc.transact(() => doc.getMap(META_ROOT).set(META_SEQUENCE_KEY, sequence), serverOrigin(reason, fence));
    },
  };
}
