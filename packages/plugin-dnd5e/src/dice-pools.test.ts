import { describe, expect, it } from 'vitest';
import { d20Problem, damageDiceProblem, formatDamageDice, keptD20, parseDamageDice, poolFaces, poolProblem, poolTotal, rollD20s, rollMode, rollPool } from './dice-pools.ts';
import { fixedDice } from './table.fixture.ts';

describe('dice pools', () => {
  it('[D3] damage dice are added dice terms and a constant, without keep or subtracted dice', () => {
    expect(damageDiceProblem('1d8')).toBeUndefined();
    expect(damageDiceProblem('2d6+1d4+1')).toBeUndefined();
    expect(damageDiceProblem('4d6kh3')).toMatch(/keep/);
    expect(damageDiceProblem('1d8-1d4')).toMatch(/added/);
    expect(damageDiceProblem('41d6')).toMatch(/more than 40/);
    expect(damageDiceProblem('banana')).toBeDefined();
    expect(parseDamageDice('2d6+1d4+1')).toEqual({ terms: [{ dice: 2, sides: 6 }, { dice: 1, sides: 4 }], constant: 1 });
    expect(formatDamageDice(parseDamageDice('1d8')!, 3)).toBe('1d8+3');
    expect(formatDamageDice(parseDamageDice('1d8')!, -1)).toBe('1d8-1');
  });

  it('[D3] a pool holds `copies` sets of each term; the first copy is normal damage, both are a crit', () => {
    const dice = parseDamageDice('2d6+1d4+1')!;
    // term 1: 4 d6 (2 copies of 2), term 2: 2 d4
    const pool = [1, 2, 3, 4, 2, 3];
    expect(poolProblem(dice, 2, pool, 'damage')).toBeUndefined();
    expect(poolTotal(dice, 2, pool, 1)).toBe(1 + 2 + 2 + 1);
    expect(poolTotal(dice, 2, pool, 2)).toBe(1 + 2 + 3 + 4 + 2 + 3 + 1);
    expect(poolFaces(dice, 2, pool, 1)).toEqual([1, 2, 2]);
    expect(poolProblem(dice, 2, [1, 2, 3], 'damage')).toMatch(/3 dice for a pool of 6/);
    expect(poolProblem(dice, 2, [1, 2, 3, 7, 2, 3], 'damage')).toMatch(/7 is not a face of a d6/);
    expect(poolProblem(dice, 2, [1, 2, 3, 4, 2, 5], 'damage')).toMatch(/5 is not a face of a d4/);
    expect(poolProblem(dice, 2, [1, 2, 3, 4, 2, 1.5], 'damage')).toMatch(/not a face/);
  });

  it('[D3] rolling uses the injected random source, face by face like dice:roll', () => {
    expect(rollPool(parseDamageDice('1d8')!, 2, fixedDice([8, 8], [3, 8]))).toEqual([8, 3]);
    expect(rollD20s(2, fixedDice([20, 20], [1, 20]))).toEqual([20, 1]);
    expect(d20Problem([27, 3], 2, 'attack roll')).toMatch(/27 is not a face of a d20/);
    expect(d20Problem([3], 2, 'attack roll')).toMatch(/1 d20s instead of 2/);
  });

  it('[D5] advantage keeps the higher d20, disadvantage the lower, and any of each cancel out', () => {
    expect(keptD20([4, 17], 'advantage')).toBe(17);
    expect(keptD20([4, 17], 'disadvantage')).toBe(4);
    expect(keptD20([4, 17], 'normal')).toBe(4);
    expect(rollMode(['a', 'b'], [])).toBe('advantage');
    expect(rollMode([], ['c'])).toBe('disadvantage');
    expect(rollMode(['a', 'b'], ['c'])).toBe('normal');
  });
});
