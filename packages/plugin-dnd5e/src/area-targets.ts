import type { StateReader } from '@dungeon-lab/events';
import { type Actor, readActor } from './actor.ts';
import { inArea } from './areas.ts';
import type { PlacedToken, Point } from './positions.ts';
import type { AreaSpell } from './spells.ts';

/** More creatures than this in one area is rejected: the server rolls a fixed pool of saves before it sees the map. */
export const MAX_AREA_TARGETS = 40;
/** Two d20s per possible target, so advantage or disadvantage on the save can be decided at reduce time. */
export const SAVE_POOL_SIZE = 2 * MAX_AREA_TARGETS;

export interface AreaTarget {
  readonly actorId: string;
  readonly actor: Actor;
}

/**
 * The creatures a spell's area covers ([D15], [D16]): actors with a token
 * whose centre is in the area, each once however many tokens it has, living
 * and readable, ordered by actor id — the order in which they take the save
 * pool's d20 pairs, so every peer assigns the same dice.
 */
export function areaTargets(state: StateReader, tokens: readonly PlacedToken[], spell: AreaSpell, origin: Point, aim: Point, feet: number): AreaTarget[] {
  const ids = new Set<string>();
  for (const token of tokens) if (inArea(spell.area, origin, aim, token, feet)) ids.add(token.actorId);
  const out: AreaTarget[] = [];
  for (const actorId of [...ids].sort()) {
    const read = readActor(state, actorId);
    if (read.ok && !read.actor.dead) out.push({ actorId, actor: read.actor });
  }
  return out;
}
