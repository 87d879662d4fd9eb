import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CORE_INTENTS, createIntentRegistry } from './core-intents.ts';
import { type IntentDefinition, valid } from './reducer.ts';
import { IntentRegistry } from './registry.ts';

const ping: IntentDefinition<{ n: number }> = {
  type: 'plugin:test:ping',
  payload: z.strictObject({ n: z.number() }),
  validate: () => valid,
  reduce: () => [],
};

describe('IntentRegistry', () => {
  it('[EM16] registers, looks up and lists types in registration order', () => {
    const registry = new IntentRegistry().register(ping);
    expect(registry.get('plugin:test:ping')).toBe(ping);
    expect(registry.has('plugin:test:ping')).toBe(true);
    expect(registry.get('plugin:test:pong')).toBeUndefined();
    expect(registry.types()).toEqual(['plugin:test:ping']);
  });

  it('[EM16] rejects a duplicate registration, so a plugin cannot replace another type\'s rules', () => {
    const registry = new IntentRegistry([ping]);
    expect(() => registry.register({ ...ping })).toThrow(/already registered/);
    expect(registry.get('plugin:test:ping')).toBe(ping);
    expect(() => createIntentRegistry([{ ...ping, type: 'chat:message' }])).toThrow(/already registered/);
  });

  it('[EM16] rejects malformed type names', () => {
    for (const type of ['chat', 'Chat:Message', 'chat:', ':x', 'a b:c', 'x'.repeat(101) + ':y']) {
      expect(() => new IntentRegistry().register({ ...ping, type }), type).toThrow(/invalid intent type/);
    }
  });

  it('[EM16] the core registry has chat:message, dice:roll, token:move, approval:resolve, token:reveal and token:hide', () => {
    const core = ['chat:message', 'dice:roll', 'token:move', 'approval:resolve', 'token:reveal', 'token:hide'];
    expect(createIntentRegistry().types()).toEqual(core);
    expect(CORE_INTENTS.map((d) => d.type)).toEqual(core);
    expect(createIntentRegistry([ping]).types()).toContain('plugin:test:ping');
  });
});
