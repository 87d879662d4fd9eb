import { describe, expect, it } from 'vitest';
import { type Actor, ActorSchema } from './actor.ts';
import { applyDefenses } from './defenses.ts';
import { grantTempHp, heal, takeDamage } from './hit-points.ts';
import { goblin, thorin } from './table.fixture.ts';

const pc = (extra = {}): Actor => ActorSchema.parse(thorin(extra));
const npc = (extra = {}): Actor => ActorSchema.parse(goblin(extra));
const atZero = (extra = {}) => pc({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious', 'prone'], ...extra });

describe('resistance, vulnerability, immunity', () => {
  it('[D7] resistance halves rounding down, vulnerability doubles, immunity zeroes, both resist and vulnerable apply', () => {
    expect(applyDefenses(pc(), 9, 'fire')).toEqual({ amount: 9, applied: null });
    expect(applyDefenses(pc({ resistances: ['fire'] }), 9, 'fire')).toEqual({ amount: 4, applied: 'resistant' });
    expect(applyDefenses(pc({ vulnerabilities: ['fire'] }), 9, 'fire')).toEqual({ amount: 18, applied: 'vulnerable' });
    expect(applyDefenses(pc({ immunities: ['fire'], vulnerabilities: ['fire'] }), 9, 'fire')).toEqual({ amount: 0, applied: 'immune' });
    expect(applyDefenses(pc({ resistances: ['fire'], vulnerabilities: ['fire'] }), 9, 'fire')).toEqual({ amount: 8, applied: 'resistant+vulnerable' });
    expect(applyDefenses(pc({ resistances: ['cold'] }), 9, 'fire').amount).toBe(9);
  });
});

describe('damage to hit points', () => {
  it('[D8] temp HP absorb first, then HP', () => {
    const r = takeDamage(pc({ hp: { value: 30, max: 30, temp: 5 } }), 8, false);
    expect(r.actor.hp).toEqual({ value: 27, max: 30, temp: 0 });
    expect([r.fromTemp, r.fromHp]).toEqual([5, 3]);
    expect(takeDamage(pc({ hp: { value: 30, max: 30, temp: 5 } }), 4, false).actor.hp).toEqual({ value: 30, max: 30, temp: 1 });
  });

  it('[D8] HP never drop below 0; a character at 0 falls unconscious and prone, its death saves reset', () => {
    const r = takeDamage(pc({ hp: { value: 5, max: 30, temp: 0 }, deathSaves: { successes: 1, failures: 1 } }), 12, false);
    expect(r.actor.hp.value).toBe(0);
    expect(r.actor.conditions).toEqual(['unconscious', 'prone']);
    expect(r.actor.deathSaves).toEqual({ successes: 0, failures: 0 });
    expect(r).toMatchObject({ droppedToZero: true, died: null });
    expect(r.actor.dead).toBe(false);
  });

  it('[D8] an NPC at 0 HP dies at once', () => {
    const r = takeDamage(npc(), 9, false);
    expect(r.actor).toMatchObject({ hp: { value: 0 }, dead: true });
    expect(r.died).toBe('npc-at-zero');
  });

  it('[D8] zero damage (e.g. immunity) changes nothing, even at 0 HP', () => {
    const down = atZero();
    expect(takeDamage(down, 0, true).actor).toBe(down);
  });

  it('[D9] massive damage: damage left after dropping to 0 that equals the HP maximum kills outright', () => {
    // 10 HP, max 30: 40 damage leaves 30 ≥ 30.
    const dies = takeDamage(pc({ hp: { value: 10, max: 30, temp: 0 } }), 40, false);
    expect(dies).toMatchObject({ died: 'massive-damage', droppedToZero: true });
    expect(dies.actor.dead).toBe(true);
    const survives = takeDamage(pc({ hp: { value: 10, max: 30, temp: 0 } }), 39, false);
    expect(survives.died).toBeNull();
    expect(survives.actor.dead).toBe(false);
    // Temp HP count before the overflow: 5 temp + 10 HP + 29 left < 30.
    expect(takeDamage(pc({ hp: { value: 10, max: 30, temp: 5 } }), 44, false).died).toBeNull();
  });

  it('[D9] damage at 0 HP is a death-save failure, two on a crit, and ends stability', () => {
    const one = takeDamage(atZero({ stable: true }), 3, false);
    expect(one.actor.deathSaves).toEqual({ successes: 0, failures: 1 });
    expect(one.actor.stable).toBe(false);
    expect(takeDamage(atZero(), 3, true).actor.deathSaves.failures).toBe(2);
  });

  it('[D9] the third failure from damage kills; damage ≥ HP maximum at 0 HP kills outright', () => {
    const third = takeDamage(atZero({ deathSaves: { successes: 2, failures: 2 } }), 1, false);
    expect(third).toMatchObject({ died: 'death-saves' });
    expect(third.actor.deathSaves.failures).toBe(3);
    expect(third.actor.dead).toBe(true);
    const crit = takeDamage(atZero({ deathSaves: { successes: 0, failures: 2 } }), 1, true);
    expect(crit.actor.deathSaves.failures).toBe(3);
    const massive = takeDamage(atZero(), 30, false);
    expect(massive).toMatchObject({ died: 'massive-damage' });
    expect(massive.actor.deathSaves.failures).toBe(0);
  });

  it('[D9] temp HP at 0 HP absorb damage before any death-save failure', () => {
    expect(takeDamage(atZero({ hp: { value: 0, max: 30, temp: 4 } }), 4, false).actor.deathSaves.failures).toBe(0);
  });
});

describe('healing and temporary HP', () => {
  it('[D11] healing restores HP up to the maximum', () => {
    expect(heal(pc({ hp: { value: 20, max: 30, temp: 0 } }), 50).hp.value).toBe(30);
    expect(heal(pc({ hp: { value: 20, max: 30, temp: 0 } }), 4).hp.value).toBe(24);
  });

  it('[D11] a character at 0 HP that is healed regains consciousness (still prone) and its death saves reset', () => {
    const healed = heal(atZero({ deathSaves: { successes: 1, failures: 2 }, stable: false }), 3);
    expect(healed.hp.value).toBe(3);
    expect(healed.conditions).toEqual(['prone']);
    expect(healed.deathSaves).toEqual({ successes: 0, failures: 0 });
  });

  it('[D12] temporary HP do not stack: the higher value stays', () => {
    expect(grantTempHp(pc({ hp: { value: 30, max: 30, temp: 5 } }), 8).hp.temp).toBe(8);
    const keep = pc({ hp: { value: 30, max: 30, temp: 10 } });
    expect(grantTempHp(keep, 8)).toBe(keep);
  });
});
