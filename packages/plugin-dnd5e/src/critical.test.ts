import { createJsonReader } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { attackIntent } from './attack-intent.ts';
import { castAoeIntent } from './cast-aoe-intent.ts';
import { damageIntent } from './damage-intent.ts';
import { deathSaveIntent } from './death-save-intent.ts';
import { isCriticalEvent } from './critical.ts';
import { SAVE_POOL_SIZE } from './area-targets.ts';
import { GM, event, goblin, table, thorin } from './table.fixture.ts';
import type { IntentDefinition, JsonObject, JsonValue } from '@dungeon-lab/events';

const verdict = <P extends JsonValue>(definition: IntentDefinition<P>, payload: P, doc: JsonObject) => {
  const state = createJsonReader(doc);
  expect(definition.validate(payload, state, GM)).toEqual({ ok: true });
  const e = event(definition.type, payload);
  return isCriticalEvent(e, definition.reduce(e, state), state);
};
const dying = (failures: number) => thorin({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious', 'prone'], deathSaves: { successes: 0, failures } });

describe('critical events', () => {
  it('[D18] a character failing a third death save is critical, with a readable summary', () => {
    expect(verdict(deathSaveIntent, { actorId: 'thorin', roll: 4 }, table({ thorin: dying(2) }))).toEqual({ summary: 'Thorin fails a third death save and dies' });
    expect(verdict(deathSaveIntent, { actorId: 'thorin', roll: 1 }, table({ thorin: dying(1) }))).toEqual({ summary: 'Thorin fails a third death save and dies' });
    expect(verdict(deathSaveIntent, { actorId: 'thorin', roll: 4 }, table({ thorin: dying(1) }))).toBeNull();
  });

  it('[D18] massive damage and damage at 0 HP reaching three failures are critical', () => {
    expect(verdict(damageIntent, { targetId: 'thorin', amount: 60, type: 'fire' }, table())).toEqual({ summary: 'Thorin dies from massive damage' });
    expect(verdict(damageIntent, { targetId: 'thorin', amount: 2, type: 'fire' }, table({ thorin: dying(2) }))).toEqual({ summary: 'Thorin takes damage at 0 HP, fails a third death save and dies' });
    const crit = { attackerId: 'goblin', targetId: 'thorin', weaponId: 'scimitar', damageDice: '1d6', rolls: { d20: [15, 15], damage: [1, 1] } };
    expect(verdict(attackIntent, crit, table({ thorin: dying(1) }))).toEqual({ summary: 'Thorin takes damage at 0 HP, fails a third death save and dies' });
  });

  it('[D18] nothing else is critical: an NPC dying, a character dropping to 0, ordinary hits', () => {
    expect(verdict(damageIntent, { targetId: 'goblin', amount: 60, type: 'fire' }, table())).toBeNull();
    expect(verdict(damageIntent, { targetId: 'thorin', amount: 35, type: 'fire' }, table())).toBeNull();
    expect(verdict(damageIntent, { targetId: 'thorin', amount: 3, type: 'fire' }, table())).toBeNull();
  });

  it('[D18] an area spell killing several characters names each (8 fire: Bree 3/4 HP overflows by 5, Thorin fails)', () => {
    const doc = table({ thorin: dying(2), goblin: goblin(), ally: thorin({ name: 'Bree', hp: { value: 3, max: 4 } }) }, { 't-ally': { actorId: 'ally', x: 2, y: 0 } });
    const payload = { casterId: 'mira', spell: 'fireball' as const, x: 1, y: 0, rolls: { damage: [1, 1, 1, 1, 1, 1, 1, 1], saves: Array<number>(SAVE_POOL_SIZE).fill(1) } };
    expect(verdict(castAoeIntent, payload, doc)).toEqual({ summary: 'Bree dies from massive damage; Thorin takes damage at 0 HP, fails a third death save and dies' });
  });

  it('[D18] a GM-written whole actor or deathSaves object counts too; an already dead character does not', () => {
    const state = createJsonReader(table());
    const e = event(damageIntent.type, { targetId: 'thorin', amount: 1, type: 'fire' });
    expect(isCriticalEvent(e, [{ op: 'replace', path: '/actors/thorin', value: { ...thorin(), dead: true, deathSaves: { successes: 0, failures: 3 } } }], state)).toEqual({
      summary: 'Thorin takes damage at 0 HP, fails a third death save and dies',
    });
    const dead = createJsonReader(table({ thorin: thorin({ dead: true, hp: { value: 0, max: 30 } }) }));
    expect(isCriticalEvent(e, [{ op: 'replace', path: '/actors/thorin/dead', value: true }], dead)).toBeNull();
  });
});
