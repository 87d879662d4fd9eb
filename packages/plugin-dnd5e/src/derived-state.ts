import { ABILITIES, type Ability, abilityModifier } from './abilities.ts';
import type { Actor, Weapon } from './actor.ts';
import { type Condition, INCAPACITATING, hasAny } from './conditions.ts';
import { formatDamageDice, parseDamageDice } from './dice-pools.ts';

export interface SaveModifier {
  modifier: number;
  /** Paralyzed, petrified, stunned and unconscious creatures fail STR and DEX saves. */
  autoFail: boolean;
  advantage: string[];
  disadvantage: string[];
}

export interface WeaponAttack {
  name: string;
  kind: 'melee' | 'ranged';
  toHit: number;
  damageModifier: number;
  /** The damage roll as shown, e.g. `1d8+3`. */
  damage: string;
  damageType: string;
  range: { normal: number; long: number | null };
}

/**
 * Values computed from an actor's sheet and conditions ([D4]): what the UI
 * shows and what every rule reads, so the two cannot disagree. Plain JSON so
 * it can be the plugin's `computeDerivedState` result as is.
 */
export interface Derived5e {
  name: string;
  kind: 'character' | 'npc';
  ac: number;
  hp: { value: number; max: number; temp: number };
  abilityModifiers: Record<Ability, number>;
  proficiency: number;
  saves: Record<Ability, SaveModifier>;
  attacks: Record<string, WeaponAttack>;
  /** Advantage/disadvantage sources on this actor's own attack rolls. */
  attacking: { advantage: string[]; disadvantage: string[] };
  /** Sources on attack rolls against this actor, whatever the distance. */
  attacked: { advantage: string[]; disadvantage: string[] };
  /** Prone: attackers within 5 ft have advantage, others disadvantage. */
  prone: boolean;
  /** Paralyzed or unconscious: a hit from within 5 ft is a critical hit. */
  autoCritWithin5ft: boolean;
  speed: number;
  conscious: boolean;
  incapacitated: boolean;
  /** May take actions (attack, cast): alive, conscious, not incapacitated. */
  canAct: boolean;
  /** A character at 0 HP, neither stable nor dead: makes death saves. */
  dying: boolean;
  stable: boolean;
  dead: boolean;
  spellSaveDc: number | null;
  spellAttack: number | null;
}

const ATTACKING_DISADVANTAGE: readonly Condition[] = ['blinded', 'frightened', 'poisoned', 'prone', 'restrained'];
const ATTACKING_ADVANTAGE: readonly Condition[] = ['invisible'];
const ATTACKED_ADVANTAGE: readonly Condition[] = ['blinded', 'paralyzed', 'petrified', 'restrained', 'stunned', 'unconscious'];
const ATTACKED_DISADVANTAGE: readonly Condition[] = ['invisible'];
const FAILS_STR_DEX: readonly Condition[] = ['paralyzed', 'petrified', 'stunned', 'unconscious'];
const SPEED_ZERO: readonly Condition[] = ['grappled', 'paralyzed', 'petrified', 'restrained', 'stunned', 'unconscious'];

function present(conditions: readonly string[], wanted: readonly Condition[]): string[] {
  return wanted.filter((c) => conditions.includes(c));
}

export function weaponAbility(actor: Actor, weapon: Weapon): Ability {
  if (weapon.attackAbility !== 'finesse') return weapon.attackAbility;
  return actor.abilities.dex > actor.abilities.str ? 'dex' : 'str';
}

export function weaponAttack(actor: Actor, weapon: Weapon): WeaponAttack {
  const mod = abilityModifier(actor.abilities[weaponAbility(actor, weapon)]);
  const damageModifier = mod + weapon.bonus;
  const dice = parseDamageDice(weapon.damage);
  return {
    name: weapon.name,
    kind: weapon.kind,
    toHit: mod + (weapon.proficient ? actor.proficiency : 0) + weapon.bonus,
    damageModifier,
    damage: dice ? formatDamageDice(dice, damageModifier) : weapon.damage,
    damageType: weapon.damageType,
    range: { normal: weapon.range.normal, long: weapon.range.long ?? null },
  };
}

export function deriveActor(actor: Actor): Derived5e {
  const c = actor.conditions;
  const abilityModifiers = Object.fromEntries(ABILITIES.map((a) => [a, abilityModifier(actor.abilities[a])])) as Record<Ability, number>;
  const saves = Object.fromEntries(
    ABILITIES.map((a): [Ability, SaveModifier] => [
      a,
      {
        modifier: abilityModifiers[a] + (actor.saves.includes(a) ? actor.proficiency : 0),
        autoFail: (a === 'str' || a === 'dex') && hasAny(c, FAILS_STR_DEX),
        advantage: [],
        disadvantage: a === 'dex' && c.includes('restrained') ? ['restrained'] : [],
      },
    ]),
  ) as Record<Ability, SaveModifier>;
  const attacks: Record<string, WeaponAttack> = {};
  for (const [id, weapon] of Object.entries(actor.weapons)) attacks[id] = weaponAttack(actor, weapon);

  const dead = actor.dead;
  const incapacitated = hasAny(c, INCAPACITATING);
  const conscious = !dead && actor.hp.value > 0 && !c.includes('unconscious');
  const prone = c.includes('prone');
  let speed = dead || hasAny(c, SPEED_ZERO) ? 0 : actor.speed;
  // Crawling costs 1 extra foot per foot, so a prone creature effectively moves at half speed.
  if (prone) speed = Math.floor(speed / 2);
  const casting = actor.spellcastingAbility;

  return {
    name: actor.name,
    kind: actor.kind,
    ac: actor.ac,
    hp: { ...actor.hp },
    abilityModifiers,
    proficiency: actor.proficiency,
    saves,
    attacks,
    attacking: { advantage: present(c, ATTACKING_ADVANTAGE), disadvantage: present(c, ATTACKING_DISADVANTAGE) },
    attacked: { advantage: present(c, ATTACKED_ADVANTAGE), disadvantage: present(c, ATTACKED_DISADVANTAGE) },
    prone,
    autoCritWithin5ft: c.includes('paralyzed') || c.includes('unconscious'),
    speed,
    conscious,
    incapacitated,
    canAct: conscious && !incapacitated,
    dying: actor.kind === 'character' && actor.hp.value === 0 && !actor.stable && !dead,
    stable: actor.stable,
    dead,
    spellSaveDc: casting === undefined ? null : 8 + actor.proficiency + abilityModifiers[casting],
    spellAttack: casting === undefined ? null : actor.proficiency + abilityModifiers[casting],
  };
}
