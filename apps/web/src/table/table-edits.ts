import { type JsonObject, JsonPatchError, type JsonPatchOp, TABLE_DOC_SCHEMA, applyPatchToDoc } from '@dungeon-lab/events';
import type { BestiaryEntry, CharacterTemplate } from '@dungeon-lab/plugin-dnd5e';
import { GM_DOC, type SessionClient, TABLE_DOC } from '@dungeon-lab/client';
import type * as Y from 'yjs';
import { layerJson, layerOf } from './layers.ts';
import type { Point } from './geometry.ts';
import { type SceneSettings } from './scene.ts';

/**
 * The origin of this user's own edits of the table. Transactions under it are
 * local (the client counts them as pending until the server saves them) and
 * are what an undo history will track; remote and persistence updates carry
 * other origins.
 */
export const USER_EDIT: unique symbol = Symbol('dungeon-lab user edit');

/**
 * Free edits are JSON Patch over the document: values become nested Y.Maps
 * ([EM5]) so each field can change alone. False when the patch no longer fits
 * the document (someone deleted the token meanwhile): nothing was written.
 */
function edit(doc: Y.Doc, ops: readonly JsonPatchOp[]): boolean {
  if (ops.length === 0) return true;
  try {
    doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops), USER_EDIT);
    return true;
  } catch (err) {
    if (err instanceof JsonPatchError) return false;
    throw err;
  }
}

const set = (path: string, value: JsonObject[string]): JsonPatchOp => ({ op: 'add', path, value });

function newId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** A token's new place (write rule W3: the GM or one of its controllers). */
export function moveToken(doc: Y.Doc, tokenId: string, to: Point): boolean {
  return edit(doc, [set(`/tokens/${tokenId}/x`, to.x), set(`/tokens/${tokenId}/y`, to.y)]);
}

/** The next free "Goblin 3" among the names already on the table. */
export function nextName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n++) if (!used.has(`${base} ${n}`)) return `${base} ${n}`;
}

/** A creature from the bestiary: its own actor (its own hit points) and a token on it. */
export function placeMonster(doc: Y.Doc, entry: BestiaryEntry, at: Point, name: string): string {
  const actorId = newId('a');
  const tokenId = newId('t');
  edit(doc, [set(`/actors/${actorId}`, { ...entry.actor, name }), set(`/tokens/${tokenId}`, { actorId, x: at.x, y: at.y, size: entry.size })]);
  return tokenId;
}

/** A player character from a template, controlled by `ownerId` (or the GM when null), with a token at `at`. */
export function createCharacter(doc: Y.Doc, template: CharacterTemplate, name: string, ownerId: string | null, at: Point): string {
  const actorId = newId('a');
  const tokenId = newId('t');
  edit(doc, [
    set(`/actors/${actorId}`, { ...template.actor, name, ...(ownerId === null ? {} : { ownerId }) }),
    set(`/tokens/${tokenId}`, { actorId, x: at.x, y: at.y, size: 1 }),
  ]);
  return tokenId;
}

/** Another token on an existing actor (a character put back on the map). */
export function placeActorToken(doc: Y.Doc, actorId: string, at: Point): string {
  const tokenId = newId('t');
  edit(doc, [set(`/tokens/${tokenId}`, { actorId, x: at.x, y: at.y, size: 1 })]);
  return tokenId;
}

/** Renames an actor (every token of it follows) or a token without one. */
export function rename(doc: Y.Doc, root: 'actors' | 'tokens', id: string, name: string): boolean {
  return edit(doc, [set(`/${root}/${id}/name`, name)]);
}

/**
 * Sets top-level fields of an actor (a game system's sheet edits: AC, scores).
 * The write rules decide what a user may set; rule-bound fields change only
 * through intents and a set of them here would be refused.
 */
export function updateActor(doc: Y.Doc, actorId: string, fields: JsonObject): boolean {
  return edit(
    doc,
    Object.entries(fields).map(([key, value]) => set(`/actors/${actorId}/${key}`, value)),
  );
}

/** Moves the encounter's turn (the GM's free edit, write rule W9), or ends it. */
export function updateEncounter(doc: Y.Doc, change: { readonly round: number; readonly turn: number } | { readonly active: false }): boolean {
  return edit(
    doc,
    Object.entries(change).map(([key, value]) => set(`/encounter/${key}`, value as JsonObject[string])),
  );
}

/** A token's picture (an uploaded image's hash), or back to initials with null. */
export function setTokenImage(doc: Y.Doc, tokenId: string, hash: string | null): boolean {
  return edit(doc, [hash === null ? { op: 'remove', path: `/tokens/${tokenId}/image` } : set(`/tokens/${tokenId}/image`, hash)]);
}

/** Hands a character to a player (null: back to the GM). */
export function assignActor(doc: Y.Doc, actorId: string, ownerId: string | null, view: JsonObject): boolean {
  const actor = (view.actors as Record<string, JsonObject> | undefined)?.[actorId];
  if (actor === undefined) return false;
  if (ownerId === null) return actor.ownerId === undefined || edit(doc, [{ op: 'remove', path: `/actors/${actorId}/ownerId` }]);
  return edit(doc, [set(`/actors/${actorId}/ownerId`, ownerId)]);
}

/**
 * Takes tokens off the table. A monster's actor goes with its last token (it
 * was made for it); a character's actor stays, so the character can be put
 * back without losing its sheet.
 */
export function deleteTokens(doc: Y.Doc, tokenIds: readonly string[], view: JsonObject): boolean {
  const tokens = (view.tokens ?? {}) as Record<string, JsonObject>;
  const actors = (view.actors ?? {}) as Record<string, JsonObject>;
  const removed = new Set(tokenIds.filter((id) => tokens[id] !== undefined));
  const ops: JsonPatchOp[] = [...removed].map((id) => ({ op: 'remove', path: `/tokens/${id}` }));
  const orphaned = new Set<string>();
  for (const id of removed) {
    const actorId = tokens[id]?.actorId;
    if (typeof actorId !== 'string' || actors[actorId]?.kind !== 'npc') continue;
    const stillUsed = Object.entries(tokens).some(([other, t]) => !removed.has(other) && t.actorId === actorId);
    if (!stillUsed) orphaned.add(actorId);
  }
  for (const actorId of orphaned) ops.push({ op: 'remove', path: `/actors/${actorId}` });
  return edit(doc, ops);
}

/** Takes tokens off whichever layer each is on (deleteTokens per document). */
export function removeTokens(client: SessionClient, tokenIds: readonly string[]): boolean {
  let ok = true;
  for (const layer of [TABLE_DOC, GM_DOC] as const) {
    if (layer === GM_DOC && !client.docNames.includes(GM_DOC)) continue;
    const ids = tokenIds.filter((id) => layerOf(client, id) === layer);
    if (ids.length > 0) ok = deleteTokens(client.doc(layer), ids, layerJson(client, layer)) && ok;
  }
  return ok;
}

/** Writes the scene's settings (the GM's stage, write rule W9). */
export function updateScene(doc: Y.Doc, patch: Partial<SceneSettings>): boolean {
  const scene = doc.getMap('scene');
  // null takes a setting away (the map); one that is not there has nothing to take.
  return edit(
    doc,
    Object.entries(patch).flatMap(([key, value]): JsonPatchOp[] =>
      value === null ? (scene.has(key) ? [{ op: 'remove', path: `/scene/${key}` }] : []) : [set(`/scene/${key}`, value as JsonObject[string])],
    ),
  );
}
