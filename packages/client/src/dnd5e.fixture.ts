import { TABLE_DOC_SCHEMA, applyPatchToDoc, type JsonObject, type JsonPatchOp } from '@dungeon-lab/events';
import { goblin as fixtureGoblin, thorin as fixtureThorin } from '@dungeon-lab/plugin-dnd5e/fixtures';
import type { SessionClient } from './session-client.ts';

/** Test support: D&D 5e actors (docs/plugins.md data model) written into a table doc as free edits. */

/** As a table seeded by hand holds them: the plugin fixtures' actors at version 0. */
function unversioned(actor: JsonObject): JsonObject {
  const { _version: _, ...rest } = actor;
  return rest;
}

/** The plugin fixtures' fighter (longsword +5 to hit, 1d8+3; AC 18, 30 HP), owned by `ownerId`. */
export function thorin(ownerId: string, extra: JsonObject = {}): JsonObject {
  return unversioned(fixtureThorin({ ownerId, ...extra }));
}

/** The plugin fixtures' GM-run goblin: AC 15, 7 HP. */
export function goblin(extra: JsonObject = {}): JsonObject {
  return unversioned(fixtureGoblin(extra));
}

/** Thorin's fields for "at 0 HP, two failed death saves": the next failure kills him. */
export const ON_THE_BRINK: JsonObject = {
  hp: { value: 0, max: 30, temp: 0 },
  conditions: ['unconscious', 'prone'],
  deathSaves: { successes: 0, failures: 2 },
  stable: false,
  dead: false,
};

/** Writes actors into the client's table doc (one local transaction, synced like any free edit). */
export function seedActors(client: SessionClient, actors: Record<string, JsonObject>): void {
  const doc = client.doc('table');
  const ops: JsonPatchOp[] = Object.entries(actors).map(([id, actor]) => ({ op: 'add', path: `/actors/${id}`, value: actor }));
  doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops));
}

export function actorOf(client: SessionClient, id: string): JsonObject | undefined {
  return (client.view.get().actors as JsonObject | undefined)?.[id] as JsonObject | undefined;
}
