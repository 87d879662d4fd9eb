import { DND5E_INTENT_TYPES as T } from '@dungeon-lab/plugin-dnd5e';
import { describe as suite, expect, it } from 'vitest';
import { describe } from './describe.ts';

const view = {
  actors: {
    aria: { name: 'Aria', weapons: { sword: { name: 'Longsword' } } },
    bug: { name: 'Bugbear 1' },
  },
};

suite('[APP16] a 5e intent in words', () => {
  it('names the creatures, the weapon and the spell from the table', () => {
    expect(describe(T.attack, { attackerId: 'aria', targetId: 'bug', weaponId: 'sword', damageDice: '1d8' }, view)).toBe('Aria attacks Bugbear 1 with Longsword');
    expect(describe(T.damage, { targetId: 'bug', amount: 8, type: 'fire' }, view)).toBe('8 fire damage to Bugbear 1');
    expect(describe(T.heal, { targetId: 'aria', amount: 5 }, view)).toBe('heal Aria for 5');
    expect(describe(T.tempHp, { targetId: 'aria', amount: 3 }, view)).toBe('3 temporary HP to Aria');
    expect(describe(T.castAoe, { casterId: 'aria', spell: 'burning-hands', x: 1, y: 1 }, view)).toBe('Aria casts Burning Hands');
    expect(describe(T.condition, { targetId: 'bug', condition: 'prone', action: 'add' }, view)).toBe('add prone to Bugbear 1');
    expect(describe(T.condition, { targetId: 'bug', condition: 'prone', action: 'remove' }, view)).toBe('remove prone from Bugbear 1');
    expect(describe(T.deathSave, { actorId: 'aria' }, view)).toBe('Aria rolls a death save');
    expect(describe(T.rollInitiative, { tokenIds: ['a', 'b'] }, view)).toBe('roll initiative for 2 combatants');
  });

  it('says "a creature" for one that is gone or hidden, and does not describe other systems\' intents', () => {
    expect(describe(T.attack, { attackerId: 'ghost', targetId: 'bug', weaponId: 'x' }, view)).toBe('a creature attacks Bugbear 1');
    expect(describe(T.castAoe, { casterId: 'aria', spell: 'toString' }, view)).toBe('Aria casts a spell');
    expect(describe(T.heal, null, {})).toBe('heal a creature for ?');
    expect(describe('chat:message', { text: 'hi' }, view)).toBeNull();
  });
});
