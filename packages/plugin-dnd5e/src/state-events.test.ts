import { createIntentRegistry, createJsonReader, validateIntent } from '@dungeon-lab/events';
import type { UserAction } from '@dungeon-lab/plugin-api';
import { describe, expect, it } from 'vitest';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { DND5E_INTENTS } from './intents.ts';
import { createStateEvent } from './state-events.ts';
import { THORIN_PLAYER, table, goblin } from './table.fixture.ts';

const registry = createIntentRegistry(DND5E_INTENTS);
const state = createJsonReader(table({ goblin: goblin({ _version: 7 }) }));

describe('createStateEvent', () => {
  it('[D21] an attack carries the weapon’s damage dice and expects the target’s current _version', () => {
    const intent = createStateEvent({ kind: 'attack', data: { attackerId: 'thorin', targetId: 'goblin', weaponId: 'longsword' } }, state, THORIN_PLAYER);
    expect(intent).toMatchObject({
      type: DND5E_INTENT_TYPES.attack,
      payload: { attackerId: 'thorin', targetId: 'goblin', weaponId: 'longsword', damageDice: '1d8' },
      expected: { entity: '/actors/goblin', version: 7 },
    });
    expect(validateIntent(intent, registry)).toMatchObject({ ok: true });
  });

  it('[D21] every action becomes a valid intent; escaped ids stay valid entity pointers', () => {
    const actions: UserAction[] = [
      { kind: 'castAoe', data: { casterId: 'mira', spell: 'fireball', x: 1, y: 0 } },
      { kind: 'deathSave', data: { actorId: 'thorin' } },
      { kind: 'damage', data: { targetId: 'goblin', amount: 4, type: 'fire' } },
      { kind: 'heal', data: { targetId: 'goblin', amount: 4 } },
      { kind: 'tempHp', data: { targetId: 'goblin', amount: 4 } },
      { kind: 'condition', data: { targetId: 'goblin', condition: 'prone', action: 'add' } },
    ];
    for (const action of actions) {
      const intent = createStateEvent(action, state, THORIN_PLAYER);
      expect(intent.expected, action.kind).toBeUndefined();
      expect(validateIntent(intent, registry), action.kind).toMatchObject({ ok: true });
    }
    const odd = createJsonReader(table({ 'a/b': goblin() }));
    const intent = createStateEvent({ kind: 'attack', data: { attackerId: 'thorin', targetId: 'a/b', weaponId: 'longsword' } }, odd, THORIN_PLAYER);
    expect(intent.expected).toEqual({ entity: '/actors/a~1b', version: 2 });
    expect(validateIntent(intent, registry)).toMatchObject({ ok: true });
  });

  it('[D21] a UI bug (unknown action, bad data, missing weapon) throws a descriptive error', () => {
    expect(() => createStateEvent({ kind: 'dance', data: null }, state, THORIN_PLAYER)).toThrow(/unknown action "dance"/);
    expect(() => createStateEvent({ kind: 'heal', data: { targetId: 'goblin', amount: 0 } }, state, THORIN_PLAYER)).toThrow(/amount/);
    expect(() => createStateEvent({ kind: 'attack', data: { attackerId: 'thorin', targetId: 'goblin', weaponId: 'axe' } }, state, THORIN_PLAYER)).toThrow(/no weapon "axe"/);
    expect(() => createStateEvent({ kind: 'castAoe', data: { casterId: 'mira', spell: 'wish', x: 0, y: 0 } }, state, THORIN_PLAYER)).toThrow(/spell/);
  });
});
