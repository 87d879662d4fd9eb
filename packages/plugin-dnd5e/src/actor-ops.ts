import { type JsonPatchOp, type StateReader, formatPointer } from '@dungeon-lab/events';
import { setOp } from '@dungeon-lab/plugin-api';
import type { Actor } from './actor.ts';

/**
 * Patch ops that turn the stored actor `before` into `after` for the fields
 * rules change (HP, conditions, death saves, stable, dead). Only changed
 * fields are written, each at its own path, so a concurrent free edit of
 * another field (name, notes) survives; each op is `add` or `replace`
 * depending on what is stored, since `before` may hold parsed defaults.
 */
export function actorChangeOps(state: StateReader, actorId: string, before: Actor, after: Actor): JsonPatchOp[] {
  const at = (...path: string[]) => formatPointer(['actors', actorId, ...path]);
  const ops: JsonPatchOp[] = [];
  if (after.hp.value !== before.hp.value) ops.push(setOp(state, at('hp', 'value'), after.hp.value));
  if (after.hp.temp !== before.hp.temp) ops.push(setOp(state, at('hp', 'temp'), after.hp.temp));
  if (after.conditions.length !== before.conditions.length || after.conditions.some((c, i) => c !== before.conditions[i])) {
    ops.push(setOp(state, at('conditions'), [...after.conditions]));
  }
  if (after.deathSaves.successes !== before.deathSaves.successes || after.deathSaves.failures !== before.deathSaves.failures) {
    ops.push(setOp(state, at('deathSaves'), { successes: after.deathSaves.successes, failures: after.deathSaves.failures }));
  }
  if (after.stable !== before.stable) ops.push(setOp(state, at('stable'), after.stable));
  if (after.dead !== before.dead) ops.push(setOp(state, at('dead'), after.dead));
  return ops;
}

export function spellSlotUseOp(state: StateReader, actorId: string, level: number, used: number): JsonPatchOp {
  return setOp(state, formatPointer(['actors', actorId, 'spellSlots', String(level), 'used']), used);
}
