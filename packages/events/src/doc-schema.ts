/**
 * A session document's shape: its root shared types and their kinds. Roots
 * are fixed per document kind because Yjs root types are created by name on
 * every peer; nesting a list under a map key instead would let two offline
 * peers create two different lists for the same key, and one would be lost.
 */
export type RootKind = 'map' | 'array';
export type DocSchema = Readonly<Record<string, RootKind>>;

/** The table document every member reads (`sessions/{id}/table`). */
export const TABLE_DOC_SCHEMA: DocSchema = {
  meta: 'map',
  scene: 'map',
  tokens: 'map',
  actors: 'map',
  encounter: 'map',
  chat: 'array',
  dice: 'array',
};

/**
 * The GM document (`sessions/{id}/gm`), which only GMs can open: tokens not
 * on the table yet, actors' full or hidden data, notes, fog of war, and
 * secret rolls. GMs edit it freely; the event log writes it through an
 * entry's `gmPatch` ([EL16]) and records its own `/meta/sequence` there.
 */
export const GM_DOC_SCHEMA: DocSchema = {
  meta: 'map',
  tokens: 'map',
  actors: 'map',
  notes: 'map',
  fog: 'map',
  dice: 'array',
};

/** `/meta/sequence`: the last event sequence whose effects the document holds, written in the same transaction. */
export const META_ROOT = 'meta';
export const META_SEQUENCE_KEY = 'sequence';

/**
 * Key inside an entity (a direct child of a root map) counting the sequenced
 * intents that changed it; preconditions compare against it ([EL6]).
 */
export const ENTITY_VERSION_KEY = '_version';
