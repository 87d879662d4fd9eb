import type { JsonObject, JsonValue } from '@dungeon-lab/events';

/** One place in the turn order (what a game system's initiative wrote into `/encounter/combatants`). */
export interface Combatant {
  readonly tokenId: string;
  readonly name: string;
  readonly initiative: number;
}

/** The encounter as the table document holds it: who acts in what order, the round, whose turn. */
export interface Encounter {
  readonly active: boolean;
  readonly round: number;
  readonly turn: number;
  readonly combatants: readonly Combatant[];
}

const NONE: Encounter = { active: false, round: 0, turn: 0, combatants: [] };

/** Reads `/encounter` defensively (free edits may leave anything); an encounter without combatants is none. */
export function readEncounter(value: JsonValue | undefined): Encounter {
  const e: JsonObject = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  const combatants = (Array.isArray(e.combatants) ? e.combatants : []).flatMap((c) => {
    const o = typeof c === 'object' && c !== null && !Array.isArray(c) ? c : null;
    if (o === null || typeof o.tokenId !== 'string') return [];
    return [{ tokenId: o.tokenId, name: typeof o.name === 'string' ? o.name : '?', initiative: typeof o.initiative === 'number' ? o.initiative : 0 }];
  });
  if (e.active !== true || combatants.length === 0) return NONE;
  const round = typeof e.round === 'number' && e.round >= 1 ? Math.floor(e.round) : 1;
  const turn = typeof e.turn === 'number' ? Math.min(Math.max(0, Math.floor(e.turn)), combatants.length - 1) : 0;
  return { active: true, round, turn, combatants };
}

/** The turn after this one: the next combatant, and round + 1 after the last. */
export function nextTurn(e: Encounter): { round: number; turn: number } {
  return e.turn + 1 < e.combatants.length ? { round: e.round, turn: e.turn + 1 } : { round: e.round + 1, turn: 0 };
}

/** The turn before this one (never before round 1's first). */
export function previousTurn(e: Encounter): { round: number; turn: number } {
  if (e.turn > 0) return { round: e.round, turn: e.turn - 1 };
  return e.round > 1 ? { round: e.round - 1, turn: e.combatants.length - 1 } : { round: 1, turn: 0 };
}

/** Whose turn it is; null outside an encounter. */
export function currentTokenId(view: JsonObject): string | null {
  const e = readEncounter(view.encounter);
  return e.active ? (e.combatants[e.turn]?.tokenId ?? null) : null;
}

export function sameEncounter(a: Encounter, b: Encounter): boolean {
  return (
    a.active === b.active &&
    a.round === b.round &&
    a.turn === b.turn &&
    a.combatants.length === b.combatants.length &&
    a.combatants.every((c, i) => c.tokenId === b.combatants[i]!.tokenId && c.name === b.combatants[i]!.name && c.initiative === b.combatants[i]!.initiative)
  );
}
