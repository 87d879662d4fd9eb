import { describe, expect, it } from 'vitest';
import { type Actor, ActorSchema } from './actor.ts';
import { planAttack, rangeProblem, resolveAttack } from './attack-rules.ts';
import { parseDamageDice } from './dice-pools.ts';
import { goblin, thorin } from './table.fixture.ts';

const a = (extra = {}): Actor => ActorSchema.parse(thorin(extra));
const t = (extra = {}): Actor => ActorSchema.parse(goblin(extra));
const sword = a().weapons.longsword!;
const bow = a().weapons.longbow!;
const d8 = parseDamageDice('1d8')!;

describe('advantage and disadvantage on attacks', () => {
  it('[D5] the attacker poisoned, prone, restrained or blinded: disadvantage; invisible: advantage', () => {
    for (const c of ['poisoned', 'prone', 'restrained', 'blinded']) expect(planAttack(a({ conditions: [c] }), t(), sword, 5).mode, c).toBe('disadvantage');
    expect(planAttack(a({ conditions: ['invisible'] }), t(), sword, 5)).toMatchObject({ mode: 'advantage', advantage: ['attacker invisible'] });
  });

  it('[D5] the target restrained, blinded, stunned, paralyzed or unconscious: advantage; invisible: disadvantage', () => {
    for (const c of ['restrained', 'blinded', 'stunned', 'paralyzed', 'unconscious']) expect(planAttack(a(), t({ conditions: [c] }), sword, 5).mode, c).toBe('advantage');
    expect(planAttack(a(), t({ conditions: ['invisible'] }), sword, 5)).toMatchObject({ mode: 'disadvantage', disadvantage: ['target invisible'] });
  });

  it('[D5] a prone target: advantage within 5 ft (melee), disadvantage from farther (ranged)', () => {
    expect(planAttack(a(), t({ conditions: ['prone'] }), sword, 5)).toMatchObject({ mode: 'advantage', advantage: ['target prone (within 5 ft)'] });
    expect(planAttack(a(), t({ conditions: ['prone'] }), bow, 30)).toMatchObject({ mode: 'disadvantage', disadvantage: ['target prone (beyond 5 ft)'] });
    // Without tokens a melee attack is within 5 ft, a ranged one is not.
    expect(planAttack(a(), t({ conditions: ['prone'] }), sword, null).mode).toBe('advantage');
    expect(planAttack(a(), t({ conditions: ['prone'] }), bow, null).mode).toBe('disadvantage');
  });

  it('[D5] ranged attacks: disadvantage beyond normal range and within 5 ft of a target that is not incapacitated', () => {
    expect(planAttack(a(), t(), bow, 200).disadvantage).toEqual(['long range']);
    expect(planAttack(a(), t(), bow, 5).disadvantage).toEqual(['ranged attack within 5 ft']);
    expect(planAttack(a(), t({ conditions: ['stunned'] }), bow, 5).disadvantage).toEqual([]);
  });

  it('[D5] advantage and disadvantage cancel', () => {
    expect(planAttack(a({ conditions: ['poisoned'] }), t({ conditions: ['restrained'] }), sword, 5).mode).toBe('normal');
  });
});

describe('attack resolution', () => {
  const plan = planAttack(a(), t(), sword, 5); // +5 vs AC 15

  it('[D6] d20 + ability modifier + proficiency against AC; a tie hits', () => {
    expect(resolveAttack(plan, t(), [10, 1], d8, [6, 2], 'slashing')).toMatchObject({ total: 15, hit: true, critical: false, rolled: 9, damage: 9, faces: [6] });
    expect(resolveAttack(plan, t(), [9, 20], d8, [6, 2], 'slashing')).toMatchObject({ total: 14, hit: false, damage: 0 });
  });

  it('[D6] a natural 20 always hits and doubles the damage dice (not the modifier); a natural 1 always misses', () => {
    const crit = resolveAttack(planAttack(a(), t({ ac: 30 }), sword, 5), t(), [20, 1], d8, [6, 2], 'slashing');
    expect(crit).toMatchObject({ hit: true, critical: true, rolled: 6 + 2 + 3, faces: [6, 2] });
    expect(resolveAttack(planAttack(a(), t({ ac: 1 }), sword, 5), t(), [1, 20], d8, [6, 2], 'slashing')).toMatchObject({ hit: false });
  });

  it('[D6] a hit on a paralyzed or unconscious target from within 5 ft is a critical hit; from farther it is not', () => {
    expect(resolveAttack(planAttack(a(), t({ conditions: ['paralyzed'] }), sword, 5), t(), [12, 3], d8, [4, 4], 'slashing')).toMatchObject({ critical: true, rolled: 11 });
    expect(resolveAttack(planAttack(a(), t({ conditions: ['unconscious'] }), bow, 30), t(), [12, 13], d8, [4, 4], 'piercing')).toMatchObject({ hit: true, critical: false });
  });

  it('[D6] [D7] damage goes through the target’s resistance', () => {
    expect(resolveAttack(plan, t({ resistances: ['slashing'] }), [15, 1], d8, [6, 2], 'slashing')).toMatchObject({ rolled: 9, damage: 4, defense: 'resistant' });
  });

  it('[D6] melee reaches its reach, ranged its long range; without tokens range is not checked', () => {
    expect(rangeProblem(sword, 5)).toBeUndefined();
    expect(rangeProblem(sword, 10)).toMatch(/reaches 5 ft/);
    expect(rangeProblem(bow, 600)).toBeUndefined();
    expect(rangeProblem(bow, 605)).toMatch(/reaches 600 ft/);
    expect(rangeProblem(sword, null)).toBeUndefined();
  });
});
