import type { Actor } from './actor.ts';
import { withConditions, withoutConditions } from './conditions.ts';

/** How a creature died, for the GM's summary ([D18]). */
export type DeathCause = 'massive-damage' | 'death-saves' | 'npc-at-zero';

export interface DamageResult {
  readonly actor: Actor;
  /** Damage actually taken (after temp HP); the input amount is already through resistances. */
  readonly fromTemp: number;
  readonly fromHp: number;
  readonly droppedToZero: boolean;
  readonly died: DeathCause | null;
}

/**
 * Damage to hit points ([D8], [D9]), for an amount already through
 * resistances: temp HP absorb first; HP never drop below 0; a character
 * dropped to 0 falls unconscious and prone and starts dying, unless the damage
 * left over equals or exceeds its HP maximum (massive damage: instant death);
 * an NPC at 0 dies at once. A character already at 0 takes a death-save
 * failure (two from a critical hit), loses stability, and dies at the third
 * failure or from damage of at least its HP maximum. Zero damage changes nothing.
 */
export function takeDamage(actor: Actor, amount: number, critical: boolean): DamageResult {
  const dmg = Math.max(0, Math.floor(amount));
  if (dmg === 0 || actor.dead) return { actor, fromTemp: 0, fromHp: 0, droppedToZero: false, died: null };
  const fromTemp = Math.min(actor.hp.temp, dmg);
  const rest = dmg - fromTemp;
  const hp = { ...actor.hp, temp: actor.hp.temp - fromTemp };
  if (rest === 0) return { actor: { ...actor, hp }, fromTemp, fromHp: 0, droppedToZero: false, died: null };

  if (actor.hp.value > 0) {
    const fromHp = Math.min(actor.hp.value, rest);
    hp.value = actor.hp.value - fromHp;
    if (hp.value > 0) return { actor: { ...actor, hp }, fromTemp, fromHp, droppedToZero: false, died: null };
    if (actor.kind === 'npc') return { actor: { ...actor, hp, dead: true }, fromTemp, fromHp, droppedToZero: true, died: 'npc-at-zero' };
    const dropped: Actor = {
      ...actor,
      hp,
      conditions: withConditions(actor.conditions, ['unconscious', 'prone']),
      deathSaves: { successes: 0, failures: 0 },
      stable: false,
    };
    if (rest - fromHp >= actor.hp.max) return { actor: { ...dropped, dead: true }, fromTemp, fromHp, droppedToZero: true, died: 'massive-damage' };
    return { actor: dropped, fromTemp, fromHp, droppedToZero: true, died: null };
  }

  if (actor.kind === 'npc') return { actor: { ...actor, hp, dead: true }, fromTemp, fromHp: 0, droppedToZero: false, died: 'npc-at-zero' };
  if (rest >= actor.hp.max) return { actor: { ...actor, hp, stable: false, dead: true }, fromTemp, fromHp: 0, droppedToZero: false, died: 'massive-damage' };
  const failures = Math.min(3, actor.deathSaves.failures + (critical ? 2 : 1));
  const after: Actor = {
    ...actor,
    hp,
    conditions: withConditions(actor.conditions, ['unconscious']),
    deathSaves: { successes: actor.deathSaves.successes, failures },
    stable: false,
  };
  return failures >= 3
    ? { actor: { ...after, dead: true }, fromTemp, fromHp: 0, droppedToZero: false, died: 'death-saves' }
    : { actor: after, fromTemp, fromHp: 0, droppedToZero: false, died: null };
}

/**
 * Healing ([D11]): up to the maximum. A creature at 0 HP that regains any
 * regains consciousness (it stays prone) and its death saves and stability reset.
 */
export function heal(actor: Actor, amount: number): Actor {
  const gained = Math.max(0, Math.min(Math.floor(amount), actor.hp.max - actor.hp.value));
  if (gained === 0 || actor.dead) return actor;
  const hp = { ...actor.hp, value: actor.hp.value + gained };
  if (actor.hp.value > 0) return { ...actor, hp };
  return { ...actor, hp, conditions: withoutConditions(actor.conditions, ['unconscious']), deathSaves: { successes: 0, failures: 0 }, stable: false };
}

/** Temporary HP do not stack ([D12]): the creature keeps the higher of what it has and what it gets. */
export function grantTempHp(actor: Actor, amount: number): Actor {
  const temp = Math.max(actor.hp.temp, Math.max(0, Math.floor(amount)));
  return temp === actor.hp.temp ? actor : { ...actor, hp: { ...actor.hp, temp } };
}
