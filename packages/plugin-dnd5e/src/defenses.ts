import type { Actor } from './actor.ts';
import type { DamageType } from './damage-types.ts';

export type DefenseApplied = 'immune' | 'resistant' | 'vulnerable' | 'resistant+vulnerable' | null;

/**
 * Resistance halves (rounded down), vulnerability doubles, immunity zeroes
 * ([D7]). They apply after every other modifier (a successful save's half
 * comes first), and a creature with both resistance and vulnerability to a
 * type has both applied (PHB p. 197).
 */
export function applyDefenses(actor: Actor, amount: number, type: DamageType): { amount: number; applied: DefenseApplied } {
  const base = Math.max(0, Math.floor(amount));
  if (actor.immunities.includes(type)) return { amount: 0, applied: 'immune' };
  const resistant = actor.resistances.includes(type);
  const vulnerable = actor.vulnerabilities.includes(type);
  let out = base;
  if (resistant) out = Math.floor(out / 2);
  if (vulnerable) out *= 2;
  return { amount: out, applied: resistant && vulnerable ? 'resistant+vulnerable' : resistant ? 'resistant' : vulnerable ? 'vulnerable' : null };
}
