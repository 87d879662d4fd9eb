import { describe, expect, it } from 'vitest';
import { ActorSchema, parseActor } from './actor.ts';
import { deriveActor } from './derived-state.ts';
import { goblin, mira, thorin } from './table.fixture.ts';

const derive = (value: ReturnType<typeof thorin>) => deriveActor(ActorSchema.parse(value));

describe('derived state', () => {
  it('[D1] optional sheet parts default to an empty 5e sheet; malformed actors are reported, not thrown', () => {
    const minimal = parseActor({ name: 'Rat', kind: 'npc', ac: 10, hp: { value: 1, max: 1 } }, 'rat');
    expect(minimal.ok && minimal.actor).toMatchObject({ hp: { temp: 0 }, conditions: [], deathSaves: { successes: 0, failures: 0 }, speed: 30, proficiency: 2, abilities: { str: 10 } });
    expect(parseActor(undefined, 'x')).toEqual({ ok: false, problem: 'no actor "x"', missing: true });
    const bad = parseActor({ ...thorin(), hp: { value: -1, max: 30 } }, 'thorin');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problem).toMatch(/hp.value/);
  });

  it('[D4] ability and save modifiers, proficiency, AC, attack bonuses and spell DC', () => {
    const d = derive(thorin());
    expect(d.abilityModifiers).toEqual({ str: 3, dex: 1, con: 2, int: -1, wis: 0, cha: 0 });
    expect(d.saves.str.modifier).toBe(5);
    expect(d.saves.dex.modifier).toBe(1);
    expect(d.ac).toBe(18);
    expect(d.attacks.longsword).toMatchObject({ toHit: 5, damageModifier: 3, damage: '1d8+3', damageType: 'slashing', kind: 'melee' });
    expect(d.attacks.longbow).toMatchObject({ toHit: 3, damage: '1d8+1', range: { normal: 150, long: 600 } });
    expect(d.spellSaveDc).toBeNull();
    expect(derive(mira()).spellSaveDc).toBe(13);
    expect(derive(mira()).spellAttack).toBe(5);
    // Finesse takes the better of STR and DEX.
    expect(derive(goblin()).attacks.scimitar).toMatchObject({ toHit: 4, damage: '1d6+2' });
  });

  it('[D4] conscious, dying, stable, dead, incapacitated and canAct', () => {
    expect(derive(thorin())).toMatchObject({ conscious: true, dying: false, canAct: true, dead: false });
    const down = derive(thorin({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious', 'prone'] }));
    expect(down).toMatchObject({ conscious: false, dying: true, canAct: false, incapacitated: true, speed: 0 });
    expect(derive(thorin({ hp: { value: 0, max: 30, temp: 0 }, stable: true, conditions: ['unconscious'] }))).toMatchObject({ dying: false, stable: true });
    expect(derive(thorin({ dead: true, hp: { value: 0, max: 30, temp: 0 } }))).toMatchObject({ dead: true, conscious: false, canAct: false, speed: 0 });
    expect(derive(thorin({ conditions: ['stunned'] }))).toMatchObject({ conscious: true, incapacitated: true, canAct: false });
  });

  it('[D4] speed: 0 when grappled/restrained/paralyzed…, halved (crawling) when prone', () => {
    expect(derive(thorin()).speed).toBe(30);
    expect(derive(thorin({ speed: 25 })).speed).toBe(25);
    expect(derive(thorin({ conditions: ['prone'] })).speed).toBe(15);
    for (const c of ['grappled', 'restrained', 'paralyzed', 'petrified', 'stunned', 'unconscious']) expect(derive(thorin({ conditions: [c] })).speed, c).toBe(0);
  });

  it('[D4] saves: paralyzed/stunned/unconscious/petrified fail STR and DEX; restrained has disadvantage on DEX', () => {
    const para = derive(thorin({ conditions: ['paralyzed'] }));
    expect(para.saves.str.autoFail && para.saves.dex.autoFail).toBe(true);
    expect(para.saves.con.autoFail).toBe(false);
    expect(derive(thorin({ conditions: ['restrained'] })).saves.dex.disadvantage).toEqual(['restrained']);
  });

  it('[D4] [D5] advantage and disadvantage sources from conditions', () => {
    expect(derive(thorin({ conditions: ['poisoned', 'invisible', 'unknown-thing'] })).attacking).toEqual({ advantage: ['invisible'], disadvantage: ['poisoned'] });
    expect(derive(thorin({ conditions: ['blinded', 'prone', 'restrained', 'frightened'] })).attacking.disadvantage).toEqual(['blinded', 'frightened', 'prone', 'restrained']);
    const target = derive(goblin({ conditions: ['restrained', 'invisible', 'prone', 'paralyzed'] }));
    expect(target.attacked).toEqual({ advantage: ['paralyzed', 'restrained'], disadvantage: ['invisible'] });
    expect(target.prone).toBe(true);
    expect(target.autoCritWithin5ft).toBe(true);
  });
});
