import { TABLE_DOC_SCHEMA, applyPatchToDoc, type JsonObject, type JsonPatchOp } from '@dungeon-lab/events';
import type { SessionClient } from './session-client.ts';

/** Test support: D&D 5e actors (docs/plugins.md data model) written into a table doc as free edits. */

/** A fighter owned by `ownerId`: longsword 1d8 (+5 to hit, +3 damage), AC 18, 30 HP. */
export function thorin(ownerId: string, extra: JsonObject = {}): JsonObject {
  return {
    name: 'Thorin',
    kind: 'character',
    ownerId,
    ac: 18,
    hp: { value: 30, max: 30, temp: 0 },
    abilities: { str: 16, dex: 12, con: 14, int: 8, wis: 10, cha: 10 },
    proficiency: 2,
    saves: ['str', 'con'],
    conditions: [],
    deathSaves: { successes: 0, failures: 0 },
    stable: false,
    dead: false,
    weapons: {
      longsword: { name: 'Longsword', kind: 'melee', attackAbility: 'str', proficient: true, damage: '1d8', damageType: 'slashing', range: { normal: 5 } },
    },
    ...extra,
  };
}

/** A GM-run goblin: AC 15, 7 HP, speed 30. */
export function goblin(extra: JsonObject = {}): JsonObject {
  return {
    name: 'Goblin',
    kind: 'npc',
    ac: 15,
    hp: { value: 7, max: 7, temp: 0 },
    abilities: { str: 8, dex: 14, con: 10, int: 10, wis: 8, cha: 8 },
    proficiency: 2,
    conditions: [],
    weapons: { scimitar: { name: 'Scimitar', attackAbility: 'finesse', damage: '1d6', damageType: 'slashing' } },
    ...extra,
  };
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
