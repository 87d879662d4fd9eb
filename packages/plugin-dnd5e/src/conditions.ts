import { z } from 'zod';

/** The 5e conditions (exhaustion has levels and is not modelled). */
export const CONDITIONS = [
  'blinded',
  'charmed',
  'deafened',
  'frightened',
  'grappled',
  'incapacitated',
  'invisible',
  'paralyzed',
  'petrified',
  'poisoned',
  'prone',
  'restrained',
  'stunned',
  'unconscious',
] as const;
export type Condition = (typeof CONDITIONS)[number];
export const ConditionSchema = z.enum(CONDITIONS);

const KNOWN = new Set<string>(CONDITIONS);

export function isCondition(value: string): value is Condition {
  return KNOWN.has(value);
}

/** Conditions that include "incapacitated": no actions or reactions. */
export const INCAPACITATING: readonly Condition[] = ['incapacitated', 'paralyzed', 'petrified', 'stunned', 'unconscious'];

export function hasAny(conditions: readonly string[], wanted: readonly Condition[]): boolean {
  return wanted.some((c) => conditions.includes(c));
}

/** `conditions` plus `added`, each once, in the order first seen. */
export function withConditions(conditions: readonly string[], added: readonly Condition[]): string[] {
  const out = [...conditions];
  for (const c of added) if (!out.includes(c)) out.push(c);
  return out;
}

export function withoutConditions(conditions: readonly string[], removed: readonly Condition[]): string[] {
  return conditions.filter((c) => !(removed as readonly string[]).includes(c));
}
