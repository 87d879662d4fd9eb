import type { Actor } from './actor.ts';
import { withoutConditions } from './conditions.ts';

export type DeathSaveOutcome = 'success' | 'failure' | 'two-failures' | 'revived' | 'stable' | 'dead';

/**
 * One death saving throw ([D14]) with natural d20 `roll`: 10 or more is a
 * success, less a failure, a 1 counts as two failures, a 20 regains 1 HP
 * (conscious again, saves reset). Three successes make the character stable
 * (saves reset), three failures dead.
 */
export function rollDeathSave(actor: Actor, roll: number): { actor: Actor; outcome: DeathSaveOutcome } {
  const reset = { successes: 0, failures: 0 };
  if (roll === 20) {
    return {
      actor: { ...actor, hp: { ...actor.hp, value: 1 }, conditions: withoutConditions(actor.conditions, ['unconscious']), deathSaves: reset, stable: false },
      outcome: 'revived',
    };
  }
  if (roll >= 10) {
    const successes = actor.deathSaves.successes + 1;
    if (successes >= 3) return { actor: { ...actor, deathSaves: reset, stable: true }, outcome: 'stable' };
    return { actor: { ...actor, deathSaves: { ...actor.deathSaves, successes } }, outcome: 'success' };
  }
  const failures = Math.min(3, actor.deathSaves.failures + (roll === 1 ? 2 : 1));
  const deathSaves = { ...actor.deathSaves, failures };
  if (failures >= 3) return { actor: { ...actor, deathSaves, dead: true }, outcome: 'dead' };
  return { actor: { ...actor, deathSaves }, outcome: roll === 1 ? 'two-failures' : 'failure' };
}
