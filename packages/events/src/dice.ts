/** Limits that keep a roll's cost and its logged size small whatever a client sends ([EM12]). */
export const DICE_LIMITS = {
  maxNotationLength: 200,
  maxTerms: 20,
  maxDicePerTerm: 100,
  maxSides: 1000,
  maxConstant: 1_000_000,
} as const;

/** The only error the parser throws; `position` is the offset in the notation with spaces around operators removed. */
export class DiceNotationError extends Error {
  override readonly name = 'DiceNotationError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

export type Sign = 1 | -1;

export interface DiceTerm {
  readonly kind: 'dice';
  readonly sign: Sign;
  readonly dice: number;
  readonly sides: number;
  /** `kh`/`kl`: keep that many highest/lowest dice. */
  readonly keep?: { readonly which: 'highest' | 'lowest'; readonly count: number };
}

export interface ConstantTerm {
  readonly kind: 'constant';
  readonly sign: Sign;
  readonly value: number;
}

export type DiceExpression = readonly (DiceTerm | ConstantTerm)[];

/**
 * Parses `d20`, `2d6+3`, `4d6kh3` (`k3` alone also keeps highest), `2d20kl1`,
 * `1d8+1d6-2`, `d%`, `-1d4`.
 * Spaces are allowed around `+`/`-`; letters are case-insensitive. Linear in the input,
 * which is bounded, so it cannot hang.
 */
export function parseDice(notation: string): DiceExpression {
  if (typeof notation !== 'string') throw new DiceNotationError('dice notation must be a string', 0);
  if (notation.length > DICE_LIMITS.maxNotationLength) {
    throw new DiceNotationError(`dice notation is longer than ${DICE_LIMITS.maxNotationLength} characters`, 0);
  }
  // Spaces may surround operators only: "1d6 6" must not read as "1d66".
  const text = notation.trim().replace(/\s*([+-])\s*/g, '$1').toLowerCase();
  if (text === '') throw new DiceNotationError('dice notation is empty', 0);
  const space = text.search(/\s/);
  if (space >= 0) throw new DiceNotationError(`unexpected space at position ${space}`, space);
  const terms: (DiceTerm | ConstantTerm)[] = [];
  let pos = 0;

  const integer = (what: string): number => {
    const start = pos;
    while (pos < text.length && text.charCodeAt(pos) >= 48 && text.charCodeAt(pos) <= 57) pos++;
    if (pos === start) throw new DiceNotationError(`expected ${what} at position ${start}`, start);
    // Seven digits exceed every limit, so longer runs are rejected before Number() sees them.
    if (pos - start > 7) throw new DiceNotationError(`${what} at position ${start} is too large`, start);
    return Number(text.slice(start, pos));
  };

  while (pos < text.length || terms.length === 0) {
    let sign: Sign = 1;
    const signAt = pos;
    if (text[pos] === '+' || text[pos] === '-') {
      sign = text[pos] === '-' ? -1 : 1;
      pos++;
    } else if (terms.length > 0) {
      throw new DiceNotationError(`expected "+" or "-" at position ${pos}, found "${text[pos]}"`, pos);
    }
    if (terms.length === DICE_LIMITS.maxTerms) throw new DiceNotationError(`more than ${DICE_LIMITS.maxTerms} terms`, signAt);
    const termAt = pos;
    const count = text[pos] === 'd' ? 1 : integer('a number or "d"');
    if (text[pos] !== 'd') {
      if (count > DICE_LIMITS.maxConstant) throw new DiceNotationError(`constant above ${DICE_LIMITS.maxConstant}`, termAt);
      terms.push({ kind: 'constant', sign, value: count });
      continue;
    }
    pos++;
    if (count < 1 || count > DICE_LIMITS.maxDicePerTerm) {
      throw new DiceNotationError(`number of dice must be 1–${DICE_LIMITS.maxDicePerTerm}`, termAt);
    }
    let sides: number;
    if (text[pos] === '%') {
      sides = 100;
      pos++;
    } else {
      sides = integer('number of sides');
      if (sides < 1 || sides > DICE_LIMITS.maxSides) throw new DiceNotationError(`sides must be 1–${DICE_LIMITS.maxSides}`, termAt);
    }
    let keep: DiceTerm['keep'];
    if (text[pos] === 'k') {
      pos++;
      const which = text[pos] === 'l' ? 'lowest' : 'highest';
      if (text[pos] === 'h' || text[pos] === 'l') pos++;
      const keepAt = pos;
      const n = integer('how many dice to keep');
      if (n < 1 || n > count) throw new DiceNotationError(`can keep 1–${count} of ${count} dice`, keepAt);
      keep = { which, count: n };
    }
    terms.push(keep ? { kind: 'dice', sign, dice: count, sides, keep } : { kind: 'dice', sign, dice: count, sides });
  }
  return terms;
}

/**
 * One dice term as rolled. Plain JSON types (no optional members) so a result
 * can travel inside an intent payload, which must be a JsonValue.
 */
export type DiceTermResult = UnkeptDiceTerm | KeptDiceTerm;

export type UnkeptDiceTerm = {
  dice: number;
  sides: number;
  /** -1 when the term is subtracted (`1d8-1d4`). */
  sign: Sign;
  /** Every die rolled, in roll order. */
  rolls: number[];
};

/** With kh/kl: `kept` lists indexes into `rolls` of the dice that count, ascending. */
export type KeptDiceTerm = UnkeptDiceTerm & { kept: number[] };

export type DiceRollResult = {
  notation: string;
  terms: DiceTermResult[];
  /** Sum of the signed constant terms. */
  modifier: number;
  total: number;
};

/**
 * Rolls `notation` with `random` (values in [0, 1), like Math.random). The
 * same source gives the same result: dice are drawn left to right, one call
 * per die. Out-of-range draws are clamped rather than trusted.
 */
export function rollDice(notation: string, random: () => number): DiceRollResult {
  const expression = parseDice(notation);
  const terms: DiceTermResult[] = [];
  let modifier = 0;
  for (const term of expression) {
    if (term.kind === 'constant') {
      modifier += term.sign * term.value;
      continue;
    }
    const rolls: number[] = [];
    for (let i = 0; i < term.dice; i++) rolls.push(rollDie(term.sides, random()));
    const rolled: UnkeptDiceTerm = { dice: term.dice, sides: term.sides, sign: term.sign, rolls };
    terms.push(term.keep ? { ...rolled, kept: keptIndexes(rolls, term.keep.which, term.keep.count) } : rolled);
  }
  return { notation, terms, modifier, total: totalOf(terms, modifier) };
}

function rollDie(sides: number, draw: number): number {
  const r = Number.isFinite(draw) ? Math.min(Math.max(draw, 0), 1 - Number.EPSILON) : 0;
  return Math.floor(r * sides) + 1;
}

/** Ties keep the earlier die, so the choice is deterministic. */
function keptIndexes(rolls: readonly number[], which: 'highest' | 'lowest', count: number): number[] {
  const order = rolls.map((_, i) => i);
  order.sort((a, b) => (which === 'highest' ? rolls[b]! - rolls[a]! : rolls[a]! - rolls[b]!) || a - b);
  return order.slice(0, count).sort((a, b) => a - b);
}

function totalOf(terms: readonly DiceTermResult[], modifier: number): number {
  let total = modifier;
  for (const term of terms) {
    const counted = 'kept' in term ? term.kept.map((i) => term.rolls[i]!) : term.rolls;
    for (const value of counted) total += term.sign * value;
  }
  return total;
}

/** A roll without its notation: what a dice:roll payload carries. */
export type DiceOutcome = { terms: DiceTermResult[]; modifier: number; total: number };

/**
 * Why `result` could not have come from rolling `notation`, or undefined
 * ([EM14]): the terms, die ranges, kept dice, modifier and total must all be
 * what `rollDice` would produce for those rolls. It cannot tell who rolled.
 */
export function diceResultProblem(notation: string, result: DiceOutcome): string | undefined {
  let expression: DiceExpression;
  try {
    expression = parseDice(notation);
  } catch (err) {
    if (err instanceof DiceNotationError) return err.message;
    throw err;
  }
  const diceTerms = expression.filter((t): t is DiceTerm => t.kind === 'dice');
  if (result.terms.length !== diceTerms.length) return 'result has a different number of dice terms';
  let modifier = 0;
  for (const t of expression) if (t.kind === 'constant') modifier += t.sign * t.value;
  if (result.modifier !== modifier) return 'result modifier does not match the notation';
  for (let i = 0; i < diceTerms.length; i++) {
    const want = diceTerms[i]!;
    const got = result.terms[i]!;
    if (got.dice !== want.dice || got.sides !== want.sides || got.sign !== want.sign) return `term ${i + 1} does not match the notation`;
    if (got.rolls.length !== want.dice) return `term ${i + 1} has ${got.rolls.length} rolls for ${want.dice} dice`;
    if (!got.rolls.every((r) => Number.isInteger(r) && r >= 1 && r <= want.sides)) return `term ${i + 1} has a roll outside 1–${want.sides}`;
    const kept = want.keep ? keptIndexes(got.rolls, want.keep.which, want.keep.count) : undefined;
    const gotKept = 'kept' in got ? got.kept : undefined;
    if (JSON.stringify(kept) !== JSON.stringify(gotKept)) return `term ${i + 1} keeps the wrong dice`;
  }
  if (result.total !== totalOf(result.terms, modifier)) return 'result total is not the sum of its dice';
  return undefined;
}
