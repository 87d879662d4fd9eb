import {
  ENTITY_VERSION_KEY,
  META_ROOT,
  META_SEQUENCE_KEY,
  TABLE_DOC_SCHEMA,
  type LogEntry,
  applyPatchToDoc,
  touchedEntities,
} from '@dungeon-lab/events';
import * as Y from 'yjs';

/** The last sequence whose effects the table doc holds ([EL9]). */
export function appliedSequence(doc: Y.Doc): number {
  const value = doc.getMap(META_ROOT).get(META_SEQUENCE_KEY);
  return typeof value === 'number' && Number.isInteger(value) ? value : 0;
}

function bumpVersion(doc: Y.Doc, entity: string): void {
  const [, root, key] = entity.split('/');
  const node = doc.getMap(decodeSegment(root!)).get(decodeSegment(key!));
  if (!(node instanceof Y.Map)) return;
  const current = node.get(ENTITY_VERSION_KEY);
  node.set(ENTITY_VERSION_KEY, (typeof current === 'number' ? current : 0) + 1);
}

function decodeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Writes one event's state changes into the table doc in ONE transaction whose
 * origin is the event, together with the entity versions it bumps and
 * `/meta/sequence`. Because they share a transaction they are stored as one
 * update, so "effects present" and "sequence recorded" can never disagree after
 * a crash — which is what makes recovery exact. Throws (changing nothing) if
 * the patch no longer applies.
 */
export function applyEventEffects(doc: Y.Doc, entry: LogEntry): void {
  doc.transact(() => {
    applyPatchToDoc(doc, TABLE_DOC_SCHEMA, entry.patch);
    for (const entity of touchedEntities(entry.patch)) bumpVersion(doc, entity);
    doc.getMap(META_ROOT).set(META_SEQUENCE_KEY, entry.event.sequence);
  }, entry.event);
}
