import {
  type DocSchema,
  ENTITY_VERSION_KEY,
  GM_DOC_SCHEMA,
  META_ROOT,
  META_SEQUENCE_KEY,
  TABLE_DOC_SCHEMA,
  type JsonPatchOp,
  type LogEntry,
  applyPatchToDoc,
  checkPatchOnDoc,
  touchedEntities,
} from '@dungeon-lab/events';
import * as Y from 'yjs';

/** The last sequence whose effects the doc holds ([EL9]); each session doc keeps its own ([EL16]). */
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
  writeEffects(doc, TABLE_DOC_SCHEMA, entry.patch, entry);
}

/** True when the entry changes the GM document ([EL16]). */
export function hasGmEffects(entry: LogEntry): entry is LogEntry & { gmPatch: JsonPatchOp[] } {
  return entry.gmPatch !== undefined && entry.gmPatch.length > 0;
}

/**
 * The GM document's part of an entry ([EL16]): its `gmPatch`, the versions it
 * bumps and the GM doc's own `/meta/sequence`, in one transaction whose
 * origin is the event. A doc that already records this sequence is left
 * alone (false), so recovery and a live commit can never apply it twice.
 */
export function applyGmEffects(doc: Y.Doc, entry: LogEntry): boolean {
  if (appliedSequence(doc) >= entry.event.sequence) return false;
  writeEffects(doc, GM_DOC_SCHEMA, entry.gmPatch ?? [], entry);
  return true;
}

/**
 * Both documents' parts of an entry, or neither ([EL16]): the table patch is
 * checked first, then the GM doc written (atomic on its own), then the table.
 * Nothing awaits in between, so no free edit can slip between the check and
 * the write. Throws (changing nothing) if either patch no longer applies.
 */
export function applySessionEffects(table: Y.Doc, gm: Y.Doc, entry: LogEntry): void {
  checkPatchOnDoc(table, TABLE_DOC_SCHEMA, entry.patch);
  applyGmEffects(gm, entry);
  applyEventEffects(table, entry);
}

/**
 * Records that recovery has looked at every entry up to `sequence` ([EL18]),
 * so the next load of a GM doc that no event touched for a while does not
 * scan the same stretch of the log again.
 */
export function markChecked(doc: Y.Doc, sequence: number, origin: unknown): void {
  if (appliedSequence(doc) >= sequence) return;
  doc.transact(() => doc.getMap(META_ROOT).set(META_SEQUENCE_KEY, sequence), origin);
}

function writeEffects(doc: Y.Doc, schema: DocSchema, patch: readonly JsonPatchOp[], entry: LogEntry): void {
  doc.transact(() => {
    applyPatchToDoc(doc, schema, patch);
    for (const entity of touchedEntities(patch, schema)) bumpVersion(doc, entity);
    doc.getMap(META_ROOT).set(META_SEQUENCE_KEY, entry.event.sequence);
  }, entry.event);
}
