import { type IntentContext, type IntentDefinition, type JsonObject, type JsonPatchOp, type JsonValue, type ReducibleEvent, applyPatch, createJsonReader } from '@dungeon-lab/events';

export const GM: IntentContext = { userId: 'gm', sessionId: 's1', timestamp: 1000, role: 'gm' };
export const THORIN_PLAYER: IntentContext = { userId: 'u-thorin', sessionId: 's1', timestamp: 1000, role: 'player' };
export const MIRA_PLAYER: IntentContext = { userId: 'u-mira', sessionId: 's1', timestamp: 1000, role: 'player' };
/** No role at all: must count as a player. */
export const ANONYMOUS: IntentContext = { userId: 'u-thorin', sessionId: 's1', timestamp: 1000 };

/** Fighter: longsword +5 to hit, 1d8+3 slashing; longbow +3, 1d8+1 piercing, 150/600 ft. */
export function thorin(extra: JsonObject = {}): JsonObject {
  return {
    name: 'Thorin',
    kind: 'character',
    ownerId: 'u-thorin',
    ac: 18,
    hp: { value: 30, max: 30, temp: 0 },
    abilities: { str: 16, dex: 12, con: 14, int: 8, wis: 10, cha: 10 },
    proficiency: 2,
    saves: ['str', 'con'],
    resistances: [],
    vulnerabilities: [],
    immunities: [],
    conditions: [],
    deathSaves: { successes: 0, failures: 0 },
    stable: false,
    dead: false,
    spellSlots: {},
    weapons: {
      longsword: { name: 'Longsword', kind: 'melee', attackAbility: 'str', proficient: true, damage: '1d8', damageType: 'slashing', range: { normal: 5 } },
      longbow: { name: 'Longbow', kind: 'ranged', attackAbility: 'dex', proficient: true, damage: '1d8', damageType: 'piercing', range: { normal: 150, long: 600 } },
    },
    _version: 4,
    ...extra,
  };
}

/** NPC: AC 15, 7 HP, scimitar (finesse) +4 to hit, 1d6+2 slashing. */
export function goblin(extra: JsonObject = {}): JsonObject {
  return {
    name: 'Goblin',
    kind: 'npc',
    ac: 15,
    hp: { value: 7, max: 7, temp: 0 },
    abilities: { str: 8, dex: 14, con: 10, int: 10, wis: 8, cha: 8 },
    proficiency: 2,
    weapons: { scimitar: { name: 'Scimitar', attackAbility: 'finesse', damage: '1d6', damageType: 'slashing' } },
    _version: 2,
    ...extra,
  };
}

/** Wizard: INT 16, proficiency 2 → spell save DC 13; fireball and burning hands; two 3rd-level slots. */
export function mira(extra: JsonObject = {}): JsonObject {
  return {
    name: 'Mira',
    kind: 'character',
    ownerId: 'u-mira',
    ac: 12,
    hp: { value: 14, max: 14, temp: 0 },
    abilities: { str: 8, dex: 14, con: 12, int: 16, wis: 12, cha: 10 },
    proficiency: 2,
    saves: ['int', 'wis'],
    spellcastingAbility: 'int',
    spells: ['fireball', 'burning-hands'],
    spellSlots: { '1': { max: 4, used: 0 }, '3': { max: 2, used: 0 } },
    weapons: { dagger: { name: 'Dagger', attackAbility: 'finesse', damage: '1d4', damageType: 'piercing' } },
    ...extra,
  };
}

/**
 * A table doc's JSON: Thorin at (0,0), the goblin adjacent at (1,0), Mira at
 * (0,5) — 25 ft from Thorin. 5 ft per grid unit.
 */
export function table(actors: JsonObject = {}, tokens: JsonObject = {}, scene: JsonObject = {}): JsonObject {
  return {
    meta: { sequence: 10 },
    scene: { ...scene },
    tokens: {
      't-thorin': { actorId: 'thorin', x: 0, y: 0 },
      't-goblin': { actorId: 'goblin', x: 1, y: 0 },
      't-mira': { actorId: 'mira', x: 0, y: 5 },
      ...tokens,
    },
    actors: { thorin: thorin(), goblin: goblin(), mira: mira(), ...actors },
    encounter: {},
    chat: [],
    dice: [],
  };
}

export function event<P extends JsonValue>(type: string, payload: P, userId = 'gm', sequence?: number): ReducibleEvent<P> {
  return sequence === undefined ? { id: 'e1', type, payload, userId, timestamp: 1000 } : { id: 'e1', type, payload, userId, timestamp: 1000, sequence };
}

/** Validates and reduces against `doc`, then applies the patch: how the server runs a prepared payload. Throws if validate rejects. */
export function run<P extends JsonValue>(definition: IntentDefinition<P>, payload: P, doc: JsonObject, ctx: IntentContext = GM): { doc: JsonObject; patch: JsonPatchOp[] } {
  const state = createJsonReader(doc);
  const verdict = definition.validate(payload, state, ctx);
  if (!verdict.ok) throw new Error(`rejected: ${verdict.reason}: ${verdict.detail}`);
  const patch = definition.reduce(event(definition.type, payload, ctx.userId, 11), state);
  return { doc: applyPatch(doc, patch) as JsonObject, patch };
}

export function reasonOf<P extends JsonValue>(definition: IntentDefinition<P>, payload: P, doc: JsonObject, ctx: IntentContext = GM): string {
  const verdict = definition.validate(payload, createJsonReader(doc), ctx);
  return verdict.ok ? 'ok' : verdict.reason;
}

export function detailOf<P extends JsonValue>(definition: IntentDefinition<P>, payload: P, doc: JsonObject, ctx: IntentContext = GM): string {
  const verdict = definition.validate(payload, createJsonReader(doc), ctx);
  return verdict.ok ? 'ok' : verdict.detail;
}

export function actorIn(doc: JsonObject, id: string): JsonObject {
  return (doc.actors as JsonObject)[id] as JsonObject;
}

export function lastChat(doc: JsonObject): JsonObject {
  const chat = doc.chat as JsonObject[];
  return chat[chat.length - 1]!;
}

/** A random source that yields `faces` on dice of the given sides, in order: fixed dice for `prepare`. */
export function fixedDice(...dice: [face: number, sides: number][]): () => number {
  let i = 0;
  return () => {
    const next = dice[i++];
    if (next === undefined) return 0;
    return (next[0] - 0.5) / next[1];
  };
}

export { seededRandom } from '@dungeon-lab/testing';
