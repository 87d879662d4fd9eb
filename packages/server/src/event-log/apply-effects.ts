import type { JsonPatchOp, LogEntry } from '@dungeon-lab/events';
import type { ServerWriteReason } from '../room-origin.ts';
import type { SessionDoc } from './session-doc.ts';

/** The table document's part of an entry, with `/meta/sequence`, in one transaction ([EL9]). */
export function applyEventEffects(table: SessionDoc, entry: LogEntry, reason: ServerWriteReason): void {
  table.applyPatch(entry.patch, entry.event.sequence, reason);
}

/** True when the entry changes the GM document ([EL16]). */
export function hasGmEffects(entry: LogEntry): entry is LogEntry & { gmPatch: JsonPatchOp[] } {
  return entry.gmPatch !== undefined && entry.gmPatch.length > 0;
}

/**
 * The GM document's part of an entry ([EL16]): its `gmPatch`, the versions it
 * bumps and the GM doc's own `/meta/sequence`, in one transaction. A doc that
 * already records this sequence is left alone (false), so recovery and a
 * live commit can never apply it twice.
 */
export function applyGmEffects(gm: SessionDoc, entry: LogEntry, reason: ServerWriteReason): boolean {
  if (gm.appliedSequence() >= entry.event.sequence) return false;
  gm.applyPatch(entry.gmPatch ?? [], entry.event.sequence, reason);
  return true;
}

/**
 * Both documents' parts of an entry, or neither ([EL16]): the table patch is
 * checked first, then the GM doc written (atomic on its own), then the table.
 * Nothing awaits in between, so no free edit can slip between the check and
 * the write. Throws (changing nothing) if either patch no longer applies.
 */
export function applySessionEffects(table: SessionDoc, gm: SessionDoc, entry: LogEntry, reason: ServerWriteReason): void {
  table.checkPatch(entry.patch);
  applyGmEffects(gm, entry, reason);
  applyEventEffects(table, entry, reason);
}
