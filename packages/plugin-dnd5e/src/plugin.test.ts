import { createIntentRegistry } from '@dungeon-lab/events';
import { assertValidPlugin } from '@dungeon-lab/plugin-api';
import { describe, expect, it } from 'vitest';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { dnd5ePlugin } from './plugin.ts';
import { thorin } from './table.fixture.ts';

describe('dnd5ePlugin', () => {
  it('[D23] is a valid, namespaced plugin whose intents register next to the core ones', () => {
    expect(() => assertValidPlugin(dnd5ePlugin)).not.toThrow();
    expect(dnd5ePlugin.id).toBe('dnd5e');
    const registry = createIntentRegistry(dnd5ePlugin.intents);
    for (const type of Object.values(DND5E_INTENT_TYPES)) expect(registry.has(type), type).toBe(true);
    expect(registry.types()).toHaveLength(createIntentRegistry().types().length + 8);
  });

  it('[D4] computeDerivedState is the rules’ own derivation, as JSON; a malformed actor says why', () => {
    const derived = dnd5ePlugin.computeDerivedState(thorin({ conditions: ['poisoned'] }));
    expect(derived).toMatchObject({ valid: true, ac: 18, attacks: { longsword: { toHit: 5 } }, attacking: { disadvantage: ['poisoned'] }, speed: 30, conscious: true, dead: false });
    expect(JSON.parse(JSON.stringify(derived))).toEqual(derived);
    expect(dnd5ePlugin.computeDerivedState({ name: 'Blob' })).toMatchObject({ valid: false, problem: expect.stringMatching(/Blob/) });
  });
});
