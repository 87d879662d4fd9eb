import { z } from 'zod';

export const ABILITIES = ['str', 'dex', 'con', 'int', 'wis', 'cha'] as const;
export type Ability = (typeof ABILITIES)[number];
export const AbilitySchema = z.enum(ABILITIES);

/** The 5e ability modifier: floor((score − 10) / 2), so 9 → −1 and 10 → 0. */
export function abilityModifier(score: number): number {
  return Math.floor((score - 10) / 2);
}
