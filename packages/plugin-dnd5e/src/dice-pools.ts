import { DiceNotationError, parseDice, rollDice } from '@dungeon-lab/events';
import { z } from 'zod';

/** Damage dice such as `1d8`, `2d6` or `1d6+1d4+1`: positive dice terms and a constant. */
export interface DamageDice {
  readonly terms: readonly { readonly dice: number; readonly sides: number }[];
  readonly constant: number;
}

/** Keeps the dice a crit doubles (and the logged pool) small whatever a sheet says. */
export const MAX_DAMAGE_DICE = 40;

/** Why `notation` is not usable as damage dice, or undefined. */
export function damageDiceProblem(notation: string): string | undefined {
  let expression;
  try {
    expression = parseDice(notation);
  } catch (err) {
    if (err instanceof DiceNotationError) return err.message;
    throw err;
  }
  let dice = 0;
  for (const term of expression) {
    if (term.kind !== 'dice') continue;
    if (term.sign < 0 || term.keep !== undefined) return 'damage dice must be added, without keep-highest/lowest';
    dice += term.dice;
  }
  if (dice > MAX_DAMAGE_DICE) return `more than ${MAX_DAMAGE_DICE} damage dice`;
  return undefined;
}

export const DamageDiceSchema = z
  .string()
  .max(60)
  .superRefine((notation, ctx) => {
    const problem = damageDiceProblem(notation);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Parses notation that passed `damageDiceProblem`; undefined for anything else. */
export function parseDamageDice(notation: string): DamageDice | undefined {
  if (damageDiceProblem(notation) !== undefined) return undefined;
  const terms: { dice: number; sides: number }[] = [];
  let constant = 0;
  for (const term of parseDice(notation)) {
    if (term.kind === 'dice') terms.push({ dice: term.dice, sides: term.sides });
    else constant += term.sign * term.value;
  }
  return { terms, constant };
}

/** `dice` scaled: a crit rolls every die twice, an upcast spell adds dice of the same size. */
export function formatDamageDice(dice: DamageDice, extraModifier = 0): string {
  const parts = dice.terms.map((t) => `${t.dice}d${t.sides}`);
  const modifier = dice.constant + extraModifier;
  const text = parts.join('+') || '0';
  return modifier === 0 ? text : `${text}${modifier > 0 ? '+' : '-'}${Math.abs(modifier)}`;
}

/**
 * The dice pool rolled for `dice` with `copies` sets: term by term, `copies ×
 * dice` rolls of that term's die. A weapon attack rolls two copies so that a
 * crit (which doubles the dice) can be decided later from the attack roll
 * without another random draw; the first copy is the normal damage.
 */
export function poolSize(dice: DamageDice, copies: number): number {
  return dice.terms.reduce((n, t) => n + t.dice * copies, 0);
}

export function rollPool(dice: DamageDice, copies: number, random: () => number): number[] {
  const rolls: number[] = [];
  // rollDice, so a face is drawn exactly as dice:roll draws it.
  for (const t of dice.terms) rolls.push(...rollDice(`${t.dice * copies}d${t.sides}`, random).terms[0]!.rolls);
  return rolls;
}

/** Why `rolls` cannot be a pool for `dice` × `copies` (wrong count, a face off the die), or undefined. */
export function poolProblem(dice: DamageDice, copies: number, rolls: readonly number[], what: string): string | undefined {
  const want = poolSize(dice, copies);
  if (rolls.length !== want) return `${what}: ${rolls.length} dice for a pool of ${want}`;
  let at = 0;
  for (const t of dice.terms) {
    for (let i = 0; i < t.dice * copies; i++, at++) {
      const face = rolls[at]!;
      if (!Number.isInteger(face) || face < 1 || face > t.sides) return `${what}: ${face} is not a face of a d${t.sides}`;
    }
  }
  return undefined;
}

/** Sum of the first `used` copies of each term's dice plus the constant (once); callers clamp at 0 after their modifiers. */
export function poolTotal(dice: DamageDice, copies: number, rolls: readonly number[], used: number): number {
  let total = dice.constant;
  let at = 0;
  for (const t of dice.terms) {
    for (let i = 0; i < t.dice * used; i++) total += rolls[at + i] ?? 0;
    at += t.dice * copies;
  }
  return total;
}

/** The faces that counted, for the chat card. */
export function poolFaces(dice: DamageDice, copies: number, rolls: readonly number[], used: number): number[] {
  const faces: number[] = [];
  let at = 0;
  for (const t of dice.terms) {
    faces.push(...rolls.slice(at, at + t.dice * used));
    at += t.dice * copies;
  }
  return faces;
}

export function rollD20s(count: number, random: () => number): number[] {
  return rollDice(`${count}d20`, random).terms[0]!.rolls;
}

/** Why `rolls` are not `count` d20 faces, or undefined. */
export function d20Problem(rolls: readonly number[], count: number, what: string): string | undefined {
  if (rolls.length !== count) return `${what}: ${rolls.length} d20s instead of ${count}`;
  const bad = rolls.find((r) => !Number.isInteger(r) || r < 1 || r > 20);
  return bad === undefined ? undefined : `${what}: ${bad} is not a face of a d20`;
}

export type RollMode = 'advantage' | 'disadvantage' | 'normal';

/** Both d20s are always rolled; which counts depends on advantage, decided against the state at reduce time. */
export function keptD20(pair: readonly [number, number] | readonly number[], mode: RollMode): number {
  const a = pair[0] ?? 1;
  const b = pair[1] ?? a;
  if (mode === 'advantage') return Math.max(a, b);
  if (mode === 'disadvantage') return Math.min(a, b);
  return a;
}

/** Advantage and disadvantage cancel out however many sources each has (PHB p. 173). */
export function rollMode(advantage: readonly string[], disadvantage: readonly string[]): RollMode {
  if (advantage.length > 0 && disadvantage.length === 0) return 'advantage';
  if (disadvantage.length > 0 && advantage.length === 0) return 'disadvantage';
  return 'normal';
}
