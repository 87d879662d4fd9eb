import {
  GM_DOC_SCHEMA,
  type JsonValue,
  type LogAudience,
  type LogEntry,
  type LogEntryView,
  META_ROOT,
  type RedactedLogEntry,
  type SessionRole,
  TABLE_DOC_SCHEMA,
} from '@dungeon-lab/events';
import type { SessionDoc } from './session-doc.ts';

/** Who is reading the log: the member's id and role (null for a non-member, who is treated as a player). */
export interface Viewer {
  readonly userId: string;
  readonly role: SessionRole | null;
}

export function audienceOf(entry: LogEntry): LogAudience {
  return entry.audience ?? 'all';
}

/**
 * True when every member receives the entry exactly as logged: it is for
 * everyone and changes nothing in the GM doc. Only the other entries cost a
 * role lookup per receiver ([EL17]).
 */
export function isPublic(entry: LogEntry): boolean {
  return audienceOf(entry) === 'all' && entry.gmPatch === undefined;
}

/** GMs read every entry; players the ones for everyone and their own ([EL17]). */
export function mayRead(entry: LogEntry, viewer: Viewer): boolean {
  return viewer.role === 'gm' || audienceOf(entry) === 'all' || entry.event.userId === viewer.userId;
}

export function redacted(sequence: number): RedactedLogEntry {
  return { sequence, redacted: true };
}

/**
 * The entry as `viewer` may receive it ([EL17]): whole for a GM; for a player
 * without its GM-doc patch, or only its sequence when they may not read it
 * at all — so their log stays gap-free without saying what happened.
 */
export function viewFor(entry: LogEntry, viewer: Viewer): LogEntryView {
  if (viewer.role === 'gm') return entry;
  if (!mayRead(entry, viewer)) return redacted(entry.event.sequence);
  if (entry.gmPatch === undefined) return entry;
  const { gmPatch: _hidden, ...visible } = entry;
  return visible;
}

export function isRedacted(view: LogEntryView): view is RedactedLogEntry {
  return 'redacted' in view;
}

/** Map roots of the GM doc whose keys are entity ids (everything but meta). */
const GM_ENTITY_ROOTS = Object.entries(GM_DOC_SCHEMA)
  .filter(([name, kind]) => kind === 'map' && name !== META_ROOT)
  .map(([name]) => name);

/**
 * Whether a GM's payload names a hidden entity ([EL17]): some string in it
 * (a value or a key) is the id of an entity in one of the GM doc's map roots
 * that is not in the same root of the table doc. Such an entry — an attack
 * on a token the players cannot see, a roll labelled with a hidden NPC's id
 * — is for GMs only unless its intent decided otherwise (a reveal).
 * Exact matches only: a chat line that merely mentions a name stays public.
 */
export function namesHiddenEntity(payload: JsonValue, gm: SessionDoc, table: SessionDoc): boolean {
  const hidden = (id: string): boolean =>
    GM_ENTITY_ROOTS.some((root) => gm.hasEntity(root, id) && !(TABLE_DOC_SCHEMA[root] === 'map' && table.hasEntity(root, id)));
  const pending: JsonValue[] = [payload];
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (typeof value === 'string') {
      if (hidden(value)) return true;
    } else if (Array.isArray(value)) {
      pending.push(...value);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (hidden(key)) return true;
        pending.push(child);
      }
    }
  }
  return false;
}
