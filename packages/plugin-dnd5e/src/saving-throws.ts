import type { Ability } from './abilities.ts';
import type { Actor } from './actor.ts';
import { deriveActor } from './derived-state.ts';
import { type RollMode, keptD20, rollMode } from './dice-pools.ts';

export interface SaveResult {
  readonly natural: number;
  readonly total: number;
  readonly mode: RollMode;
  readonly autoFail: boolean;
  readonly success: boolean;
}

/**
 * A saving throw against `dc` with the server's d20 pair ([D15]): the kept d20
 * (by the derived advantage/disadvantage) plus the derived save modifier meets
 * the DC. Paralyzed, petrified, stunned and unconscious creatures fail STR and
 * DEX saves outright. Natural 1s and 20s have no special effect on saves.
 */
export function rollSave(actor: Actor, ability: Ability, dc: number, pair: readonly number[]): SaveResult {
  const save = deriveActor(actor).saves[ability];
  const mode = rollMode(save.advantage, save.disadvantage);
  const natural = keptD20(pair, mode);
  const total = natural + save.modifier;
  return { natural, total, mode, autoFail: save.autoFail, success: !save.autoFail && total >= dc };
}
