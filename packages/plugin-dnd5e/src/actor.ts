import { type JsonValue, type StateReader, formatPointer } from '@dungeon-lab/events';
import { z } from 'zod';
import { ABILITIES, AbilitySchema } from './abilities.ts';
import { DamageTypeSchema } from './damage-types.ts';
import { DamageDiceSchema } from './dice-pools.ts';

const Int = z.number().int();
const Count = Int.min(0);
const Score = Int.min(1).max(30);

export const WeaponSchema = z.object({
  name: z.string().min(1).max(100),
  kind: z.enum(['melee', 'ranged']).default('melee'),
  /** `finesse` uses the better of STR and DEX. */
  attackAbility: z.union([AbilitySchema, z.literal('finesse')]).default('str'),
  proficient: z.boolean().default(true),
  damage: DamageDiceSchema,
  damageType: DamageTypeSchema,
  /** Feet: reach for melee weapons, normal/long range for ranged ones. */
  range: z.object({ normal: z.number().positive(), long: z.number().positive().optional() }).default({ normal: 5 }),
  /** Magic bonus, added to attack and damage rolls. */
  bonus: Int.min(-10).max(10).default(0),
});
export type Weapon = z.infer<typeof WeaponSchema>;

const SlotSchema = z.object({ max: Count.max(20), used: Count.max(20) });

/**
 * An actor as stored under `/actors/{id}` ([D1]). Optional parts default to
 * what an empty 5e sheet means (no conditions, 30 ft speed, …) so a GM can
 * write minimal actors; unknown keys (`_version`, UI data) are ignored.
 * Conditions read leniently (unknown names are ignored by the rules) so one
 * stray free edit does not lock an actor out of every intent; patches a GM
 * edits are held to the strict list ([D20]).
 */
export const ActorSchema = z.object({
  name: z.string().min(1).max(100),
  kind: z.enum(['character', 'npc']),
  ownerId: z.string().min(1).optional(),
  ac: Int.min(0).max(50),
  hp: z.object({ value: Count, max: Int.min(1), temp: Count.default(0) }),
  abilities: z
    .object(Object.fromEntries(ABILITIES.map((a) => [a, Score.default(10)])) as Record<(typeof ABILITIES)[number], z.ZodDefault<typeof Score>>)
    .default({ str: 10, dex: 10, con: 10, int: 10, wis: 10, cha: 10 }),
  proficiency: Int.min(0).max(10).default(2),
  /** Abilities whose saving throws the actor is proficient in. */
  saves: z.array(AbilitySchema).default([]),
  resistances: z.array(DamageTypeSchema).default([]),
  vulnerabilities: z.array(DamageTypeSchema).default([]),
  immunities: z.array(DamageTypeSchema).default([]),
  conditions: z.array(z.string()).default([]),
  deathSaves: z.object({ successes: Count.max(3), failures: Count.max(3) }).default({ successes: 0, failures: 0 }),
  stable: z.boolean().default(false),
  dead: z.boolean().default(false),
  /** Walking speed in feet. */
  speed: Count.default(30),
  spellcastingAbility: AbilitySchema.optional(),
  /** Spell ids from the spell table the actor can cast. */
  spells: z.array(z.string()).default([]),
  spellSlots: z.record(z.string().regex(/^[1-9]$/, 'a slot level 1–9'), SlotSchema).default({}),
  weapons: z.record(z.string(), WeaponSchema).default({}),
});
export type Actor = z.infer<typeof ActorSchema>;

/** `missing`: nothing (or no object) is stored there, as opposed to a malformed actor. */
export type ActorRead = { readonly ok: true; readonly actor: Actor } | { readonly ok: false; readonly problem: string; readonly missing: boolean };

export function actorPointer(id: string): string {
  return formatPointer(['actors', id]);
}

/** Parses stored actor data; never throws. */
export function parseActor(value: JsonValue | undefined, label: string): ActorRead {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, problem: `no actor "${label}"`, missing: true };
  const parsed = ActorSchema.safeParse(value);
  if (parsed.success) return { ok: true, actor: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `actor "${label}" is malformed: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`, missing: false };
}

export function readActor(state: StateReader, id: string): ActorRead {
  return parseActor(state.get(actorPointer(id)), id);
}
