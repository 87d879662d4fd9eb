import type { IntentDefinition } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type GameSystemPlugin, assertValidPlugin, pluginIntentType } from './plugin.ts';

const intent = (type: string): IntentDefinition<null> => ({ type, payload: z.null(), validate: () => ({ ok: true }), reduce: () => [] });

const plugin = (id: string, types: string[]): GameSystemPlugin => ({
  id,
  name: id,
  version: '0.0.0',
  intents: types.map(intent),
  createStateEvent: () => {
    throw new Error('unused');
  },
  validateStateChange: () => ({ ok: true }),
  resolveConflict: () => ({ kind: 'apply' }),
  computeDerivedState: () => ({}),
  isCritical: () => null,
});

describe('plugin helpers', () => {
  it('pluginIntentType namespaces a name', () => {
    expect(pluginIntentType('dnd5e', 'attack')).toBe('plugin:dnd5e:attack');
  });

  it('assertValidPlugin checks the id and that every intent carries the namespace', () => {
    expect(() => assertValidPlugin(plugin('dnd5e', ['plugin:dnd5e:attack']))).not.toThrow();
    expect(() => assertValidPlugin(plugin('DnD', []))).toThrow(/invalid plugin id/);
    expect(() => assertValidPlugin(plugin('dnd5e', ['plugin:other:attack']))).toThrow(/must start with plugin:dnd5e:/);
    expect(() => assertValidPlugin(plugin('dnd5e', ['dice:roll']))).toThrow(/must start with/);
  });
});
