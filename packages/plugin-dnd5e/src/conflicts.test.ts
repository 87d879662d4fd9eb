import { createIntent, createJsonReader, type JsonObject } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { resolveConflict } from './conflicts.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { goblin, mira, table, thorin } from './table.fixture.ts';

const attack = createIntent(DND5E_INTENT_TYPES.attack, { attackerId: 'thorin', targetId: 'goblin', weaponId: 'longsword', damageDice: '1d8' }, { expected: { entity: '/actors/goblin', version: 2 } });
const resolve = (intent: typeof attack, doc: JsonObject) =>
  resolveConflict({ intent, expected: intent.expected ?? { entity: '/actors/goblin', version: 0 } }, { entity: (doc.actors as JsonObject).goblin, version: 3 }, createJsonReader(doc));

describe('conflict resolution', () => {
  it('[D19] the target still valid: apply — damage composes against current HP', () => {
    expect(resolve(attack, table({ goblin: goblin({ hp: { value: 3, max: 7 } }) }))).toEqual({ kind: 'apply' });
  });

  it('[D19] the target dead or gone: reject with a reason', () => {
    expect(resolve(attack, table({ goblin: goblin({ dead: true, hp: { value: 0, max: 7 } }) }))).toEqual({ kind: 'reject', reason: 'Goblin is already dead' });
    const gone = table();
    delete (gone.actors as JsonObject).goblin;
    expect(resolve(attack, gone)).toEqual({ kind: 'reject', reason: 'goblin is gone' });
  });

  it('[D19] a change that makes the attack questionable goes to the GM', () => {
    expect(resolve(attack, table({ goblin: goblin({ conditions: ['invisible'] }) }))).toEqual({ kind: 'manual', reason: 'Goblin is invisible now' });
    expect(resolve(attack, table({}, { 't-goblin': { actorId: 'goblin', x: 5, y: 0 } }))).toMatchObject({ kind: 'manual', reason: expect.stringMatching(/Goblin is out of reach now/) });
    expect(resolve(attack, table({ thorin: thorin({ hp: { value: 0, max: 30 }, conditions: ['unconscious'] }) }))).toEqual({ kind: 'manual', reason: 'Thorin is unconscious now' });
    expect(resolve(attack, table({ thorin: thorin({ weapons: {} }) }))).toEqual({ kind: 'manual', reason: "Thorin's weapon changed" });
  });

  it('[D19] the attacker dead: reject', () => {
    expect(resolve(attack, table({ thorin: thorin({ dead: true, hp: { value: 0, max: 30 } }) }))).toEqual({ kind: 'reject', reason: 'Thorin is dead' });
  });

  it('[D19] other intents: dead or gone targets reject, death saves of the no-longer-dying reject, the rest applies', () => {
    const damage = createIntent(DND5E_INTENT_TYPES.damage, { targetId: 'goblin', amount: 3, type: 'fire' });
    expect(resolve(damage, table())).toEqual({ kind: 'apply' });
    expect(resolve(damage, table({ goblin: goblin({ dead: true, hp: { value: 0, max: 7 } }) }))).toEqual({ kind: 'reject', reason: 'Goblin is already dead' });
    const condition = createIntent(DND5E_INTENT_TYPES.condition, { targetId: 'goblin', condition: 'prone', action: 'add' });
    expect(resolve(condition, table({ goblin: goblin({ dead: true, hp: { value: 0, max: 7 } }) }))).toEqual({ kind: 'apply' });
    const save = createIntent(DND5E_INTENT_TYPES.deathSave, { actorId: 'thorin' });
    expect(resolve(save, table())).toEqual({ kind: 'reject', reason: 'Thorin is no longer dying' });
    expect(resolve(save, table({ thorin: thorin({ hp: { value: 0, max: 30 } }) }))).toEqual({ kind: 'apply' });
    const cast = createIntent(DND5E_INTENT_TYPES.castAoe, { casterId: 'mira', spell: 'fireball', x: 1, y: 0 });
    expect(resolve(cast, table())).toEqual({ kind: 'apply' });
    expect(resolve(cast, table({ mira: mira({ conditions: ['stunned'] }) }))).toEqual({ kind: 'manual', reason: 'Mira is incapacitated now' });
    expect(resolve(createIntent('chat:message', { text: 'hi' }), table())).toMatchObject({ kind: 'manual' });
  });
});
