import { describe, expect, it } from 'vitest';
import { DICE_LIMITS, DiceNotationError, diceResultProblem, parseDice, rollDice } from './dice.ts';
import { seededRandom } from './fuzz.fixture.ts';

/** A random source that replays fixed draws, so expected rolls can be written down. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};
/** The draw that rolls `face` on a die with `sides` sides. */
const face = (value: number, sides: number) => (value - 0.5) / sides;

describe('parseDice', () => {
  it('[EM12] parses the supported forms', () => {
    expect(parseDice('d20')).toEqual([{ kind: 'dice', sign: 1, dice: 1, sides: 20 }]);
    expect(parseDice('2d6+3')).toEqual([
      { kind: 'dice', sign: 1, dice: 2, sides: 6 },
      { kind: 'constant', sign: 1, value: 3 },
    ]);
    expect(parseDice('4d6kh3')).toEqual([{ kind: 'dice', sign: 1, dice: 4, sides: 6, keep: { which: 'highest', count: 3 } }]);
    expect(parseDice('4d6k3')).toEqual(parseDice('4d6kh3'));
    expect(parseDice('2d20kl1')).toEqual([{ kind: 'dice', sign: 1, dice: 2, sides: 20, keep: { which: 'lowest', count: 1 } }]);
    expect(parseDice('1d8+1d6-2')).toEqual([
      { kind: 'dice', sign: 1, dice: 1, sides: 8 },
      { kind: 'dice', sign: 1, dice: 1, sides: 6 },
      { kind: 'constant', sign: -1, value: 2 },
    ]);
    expect(parseDice('d%')).toEqual([{ kind: 'dice', sign: 1, dice: 1, sides: 100 }]);
    expect(parseDice('-1d4')).toEqual([{ kind: 'dice', sign: -1, dice: 1, sides: 4 }]);
    expect(parseDice(' 2D6 + 1d4 - 1 ')).toEqual(parseDice('2d6+1d4-1'));
  });

  it('[EM12] enforces the limits with clear errors', () => {
    const cases: [string, RegExp][] = [
      ['101d6', /number of dice must be 1–100/],
      ['0d6', /number of dice/],
      ['1d1001', /sides must be 1–1000/],
      ['d0', /sides must be/],
      [Array.from({ length: 21 }, () => 'd6').join('+'), /more than 20 terms/],
      ['4d6kh5', /can keep 1–4 of 4 dice/],
      ['4d6kh0', /can keep/],
      ['1d6+' + '9'.repeat(8), /too large/],
      ['2000000', /constant above/],
      ['1d6'.padEnd(DICE_LIMITS.maxNotationLength + 1, ' '), /longer than 200/],
    ];
    for (const [notation, message] of cases) expect(() => parseDice(notation), notation).toThrow(message);
    expect(() => parseDice(Array.from({ length: 20 }, () => '100d1000').join('+'))).not.toThrow();
  });

  it('[EM12] rejects malformed notation with DiceNotationError', () => {
    for (const bad of ['', '  ', '+', 'd', '2d', '2d6+', 'abc', '2d6kh', '2d6x', '1d6++2', '1d6 6', 'd20 d20', '2d6kh3kh2', '1d%%', 'd-6', '1.5d6', '1d6*2']) {
      expect(() => parseDice(bad), bad).toThrow(DiceNotationError);
    }
    expect(() => parseDice(5 as unknown as string)).toThrow(DiceNotationError);
  });

  it('[EM12] fuzz: only DiceNotationError, and every accepted notation rolls within its bounds', () => {
    const rand = seededRandom(42);
    const alphabet = ['d', 'D', '%', 'k', 'h', 'l', '+', '-', ' ', '0', '1', '2', '6', '9', '20', '100', 'x', '.', '🎲', '\u0000'];
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const length = Math.floor(rand() * 24);
      let notation = '';
      for (let j = 0; j < length; j++) notation += alphabet[Math.floor(rand() * alphabet.length)];
      let expression;
      try {
        expression = parseDice(notation);
      } catch (err) {
        if (!(err instanceof DiceNotationError)) throw new Error(`${JSON.stringify(notation)} threw ${String(err)}`);
        continue;
      }
      accepted++;
      const result = rollDice(notation, rand);
      let min = 0;
      let max = 0;
      for (const term of expression) {
        const n = term.kind === 'constant' ? 1 : (term.keep?.count ?? term.dice);
        const lo = term.kind === 'constant' ? term.value : n;
        const hi = term.kind === 'constant' ? term.value : n * term.sides;
        if (term.sign === 1) [min, max] = [min + lo, max + hi];
        else [min, max] = [min - hi, max - lo];
      }
      expect(result.total).toBeGreaterThanOrEqual(min);
      expect(result.total).toBeLessThanOrEqual(max);
      expect(diceResultProblem(notation, result)).toBeUndefined();
    }
    expect(accepted).toBeGreaterThan(100);
    // Longest input: still fast, still only our error.
    expect(() => parseDice('1d6+'.repeat(50))).toThrow(DiceNotationError);
    expect(() => parseDice(' '.repeat(100) + '+' + ' '.repeat(99))).toThrow(DiceNotationError);
  }, 30_000);
});

describe('rollDice', () => {
  it('[EM12] is deterministic for a given random source', () => {
    expect(rollDice('4d6kh3+2d8-1', seededRandom(7))).toEqual(rollDice('4d6kh3+2d8-1', seededRandom(7)));
  });

  it('[EM12] sums kept dice with their signs plus the modifier', () => {
    const result = rollDice('4d6kh3+1d8-1d4-2', draws(face(3, 6), face(6, 6), face(1, 6), face(6, 6), face(5, 8), face(4, 4)));
    expect(result).toEqual({
      notation: '4d6kh3+1d8-1d4-2',
      terms: [
        { dice: 4, sides: 6, sign: 1, rolls: [3, 6, 1, 6], kept: [0, 1, 3] },
        { dice: 1, sides: 8, sign: 1, rolls: [5] },
        { dice: 1, sides: 4, sign: -1, rolls: [4] },
      ],
      modifier: -2,
      total: 3 + 6 + 6 + 5 - 4 - 2,
    });
  });

  it('[EM12] keep-lowest and ties are deterministic (earlier die wins a tie)', () => {
    expect(rollDice('3d20kl1', draws(face(7, 20), face(2, 20), face(2, 20))).terms[0]).toMatchObject({ rolls: [7, 2, 2], kept: [1] });
    expect(rollDice('3d6kh2', draws(face(4, 6), face(4, 6), face(4, 6))).terms[0]).toMatchObject({ kept: [0, 1] });
  });

  it('[EM12] clamps draws outside [0, 1) instead of producing impossible faces', () => {
    expect(rollDice('3d%', draws(0, 1, Number.NaN)).terms[0]!.rolls).toEqual([1, 100, 1]);
    expect(rollDice('1d6', draws(-5)).terms[0]!.rolls).toEqual([1]);
  });
});

describe('diceResultProblem', () => {
  it('[EM14] accepts what rollDice produced and rejects anything it could not have', () => {
    const { notation: _, ...good } = rollDice('4d6kh3+2', seededRandom(3));
    expect(diceResultProblem('4d6kh3+2', good)).toBeUndefined();
    const term = good.terms[0]!;
    const tampered = [
      { ...good, total: good.total + 1 },
      { ...good, modifier: 3 },
      { ...good, terms: [] },
      { ...good, terms: [{ ...term, rolls: [7, 1, 1, 1] }] },
      { ...good, terms: [{ ...term, rolls: [1, 1, 1] }] },
      { ...good, terms: [{ ...term, kept: [0, 1, 2, 3] }] },
      { ...good, terms: [{ dice: 4, sides: 6, sign: 1 as const, rolls: term.rolls }] },
      { ...good, terms: [{ ...term, sides: 8 }] },
    ];
    for (const bad of tampered) expect(diceResultProblem('4d6kh3+2', bad), JSON.stringify(bad)).toBeTypeOf('string');
    expect(diceResultProblem('nonsense', good)).toBeTypeOf('string');
  });
});
