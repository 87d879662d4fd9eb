import type { Actor, Weapon } from './actor.ts';
import { type DamageType } from './damage-types.ts';
import { type DefenseApplied, applyDefenses } from './defenses.ts';
import { type Derived5e, type WeaponAttack, deriveActor, weaponAttack } from './derived-state.ts';
import { type DamageDice, type RollMode, keptD20, poolFaces, poolTotal, rollMode } from './dice-pools.ts';
import { withinFeet } from './positions.ts';

/** Everything about an attack that is known before the dice: the same for a predicting client and the server. */
export interface AttackPlan {
  readonly attack: WeaponAttack;
  readonly mode: RollMode;
  readonly advantage: string[];
  readonly disadvantage: string[];
  readonly within5ft: boolean;
  readonly ac: number;
  /** A hit is a critical hit (paralyzed or unconscious target, attacker within 5 ft). */
  readonly autoCrit: boolean;
}

/**
 * Why `weapon` cannot reach a target `distance` feet away, or undefined
 * ([D6]): melee up to its reach, ranged up to its long range. Without tokens
 * (distance null) range is the GM's call and is not checked.
 */
export function rangeProblem(weapon: Weapon, distance: number | null): string | undefined {
  if (distance === null) return undefined;
  const limit = weapon.kind === 'melee' ? weapon.range.normal : (weapon.range.long ?? weapon.range.normal);
  return withinFeet(distance, limit) ? undefined : `${weapon.name} reaches ${limit} ft; the target is ${Math.round(distance)} ft away`;
}

/**
 * Advantage and disadvantage on one attack roll ([D5]): the attacker's own
 * conditions, the target's (prone depends on distance: advantage within 5 ft,
 * disadvantage beyond), and the situation — a ranged attack beyond normal
 * range, or made within 5 ft of the (not incapacitated) target. Without
 * tokens a melee attack counts as within 5 ft and a ranged one as not.
 */
export function attackSources(
  attacker: Derived5e,
  target: Derived5e,
  weapon: Weapon,
  distance: number | null,
): { advantage: string[]; disadvantage: string[]; within5ft: boolean } {
  const within5ft = distance === null ? weapon.kind === 'melee' : withinFeet(distance, 5);
  const advantage = [...attacker.attacking.advantage.map((c) => `attacker ${c}`), ...target.attacked.advantage.map((c) => `target ${c}`)];
  const disadvantage = [...attacker.attacking.disadvantage.map((c) => `attacker ${c}`), ...target.attacked.disadvantage.map((c) => `target ${c}`)];
  if (target.prone) (within5ft ? advantage : disadvantage).push(within5ft ? 'target prone (within 5 ft)' : 'target prone (beyond 5 ft)');
  if (weapon.kind === 'ranged') {
    if (distance !== null && !withinFeet(distance, weapon.range.normal)) disadvantage.push('long range');
    if (within5ft && !target.incapacitated) disadvantage.push('ranged attack within 5 ft');
  }
  return { advantage, disadvantage, within5ft };
}

export function planAttack(attacker: Actor, target: Actor, weapon: Weapon, distance: number | null): AttackPlan {
  const a = deriveActor(attacker);
  const t = deriveActor(target);
  const { advantage, disadvantage, within5ft } = attackSources(a, t, weapon, distance);
  return {
    attack: weaponAttack(attacker, weapon),
    mode: rollMode(advantage, disadvantage),
    advantage,
    disadvantage,
    within5ft,
    ac: t.ac,
    autoCrit: t.autoCritWithin5ft && within5ft,
  };
}

export interface AttackOutcome {
  readonly natural: number;
  readonly total: number;
  readonly hit: boolean;
  readonly critical: boolean;
  /** Damage rolled (dice + modifier, at least 0), before the target's defenses. */
  readonly rolled: number;
  readonly faces: number[];
  /** Damage after resistance, vulnerability or immunity. */
  readonly damage: number;
  readonly defense: DefenseApplied;
}

/**
 * One attack with the server's dice ([D6]): the kept d20 (by advantage) plus
 * the attack modifier against the target's AC; a natural 1 always misses, a
 * natural 20 always hits and is critical. A critical hit rolls the damage dice
 * twice (the pool's second copy), the modifier once.
 */
export function resolveAttack(plan: AttackPlan, target: Actor, d20: readonly number[], dice: DamageDice, damagePool: readonly number[], type: DamageType): AttackOutcome {
  const natural = keptD20(d20, plan.mode);
  const total = natural + plan.attack.toHit;
  const hit = natural !== 1 && (natural === 20 || total >= plan.ac);
  const critical = hit && (natural === 20 || plan.autoCrit);
  if (!hit) return { natural, total, hit, critical, rolled: 0, faces: [], damage: 0, defense: null };
  const used = critical ? 2 : 1;
  const rolled = Math.max(0, poolTotal(dice, 2, damagePool, used) + plan.attack.damageModifier);
  const { amount, applied } = applyDefenses(target, rolled, type);
  return { natural, total, hit, critical, rolled, faces: poolFaces(dice, 2, damagePool, used), damage: amount, defense: applied };
}
