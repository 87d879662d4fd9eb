import { z } from 'zod';
import type { Ability } from './abilities.ts';
import type { AreaShape } from './areas.ts';
import type { DamageType } from './damage-types.ts';
import type { DamageDice } from './dice-pools.ts';

/** A damaging area spell with a saving throw ([D16]). Adding one to the table is all a new spell needs. */
export interface AreaSpell {
  readonly name: string;
  /** The spell's level: the lowest slot it can be cast with. */
  readonly level: number;
  readonly damage: { readonly dice: number; readonly sides: number; readonly type: DamageType };
  /** Extra damage dice per slot level above `level`. */
  readonly upcastDice: number;
  readonly save: Ability;
  /** A successful save halves the damage, or avoids it. */
  readonly onSave: 'half' | 'none';
  readonly area: AreaShape;
  /** Feet from the caster to the area's centre, or `self` for cones and lines that start at the caster. */
  readonly range: number | 'self';
}

export const AREA_SPELLS = {
  'burning-hands': {
    name: 'Burning Hands',
    level: 1,
    damage: { dice: 3, sides: 6, type: 'fire' },
    upcastDice: 1,
    save: 'dex',
    onSave: 'half',
    area: { shape: 'cone', length: 15 },
    range: 'self',
  },
  shatter: {
    name: 'Shatter',
    level: 2,
    damage: { dice: 3, sides: 8, type: 'thunder' },
    upcastDice: 1,
    save: 'con',
    onSave: 'half',
    area: { shape: 'sphere', radius: 10 },
    range: 60,
  },
  fireball: {
    name: 'Fireball',
    level: 3,
    damage: { dice: 8, sides: 6, type: 'fire' },
    upcastDice: 1,
    save: 'dex',
    onSave: 'half',
    area: { shape: 'sphere', radius: 20 },
    range: 150,
  },
  'lightning-bolt': {
    name: 'Lightning Bolt',
    level: 3,
    damage: { dice: 8, sides: 6, type: 'lightning' },
    upcastDice: 1,
    save: 'dex',
    onSave: 'half',
    area: { shape: 'line', length: 100, width: 5 },
    range: 'self',
  },
  'cone-of-cold': {
    name: 'Cone of Cold',
    level: 5,
    damage: { dice: 8, sides: 8, type: 'cold' },
    upcastDice: 1,
    save: 'con',
    onSave: 'half',
    area: { shape: 'cone', length: 60 },
    range: 'self',
  },
} as const satisfies Record<string, AreaSpell>;

export type AreaSpellId = keyof typeof AREA_SPELLS;
export const AreaSpellIdSchema = z.enum(Object.keys(AREA_SPELLS) as [AreaSpellId, ...AreaSpellId[]]);

export function areaSpell(id: AreaSpellId): AreaSpell {
  return AREA_SPELLS[id];
}

/** The damage dice of `spell` cast with a slot of `slotLevel` (at least its level). */
export function spellDamageDice(spell: AreaSpell, slotLevel: number): DamageDice {
  const extra = Math.max(0, slotLevel - spell.level) * spell.upcastDice;
  return { terms: [{ dice: spell.damage.dice + extra, sides: spell.damage.sides }], constant: 0 };
}
