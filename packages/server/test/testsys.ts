/**
 * A tiny game system for server tests: characters have HP, and finishing one
 * at 0 HP is critical, so it waits for a GM's approval ([EL13]).
 */
import { type IntentDefinition, createIntent, invalid, valid } from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { z } from 'zod';

const spawn: IntentDefinition<{ actor: string; hp: number }> = {
  type: 'plugin:testsys:spawn',
  payload: z.object({ actor: z.string(), hp: z.number().int().nonnegative() }),
  validate: () => valid,
  reduce: (e) => [{ op: 'add', path: `/actors/${e.payload.actor}`, value: { hp: e.payload.hp, dead: false } }],
};
const hit: IntentDefinition<{ actor: string; amount: number }> = {
  type: 'plugin:testsys:hit',
  payload: z.object({ actor: z.string(), amount: z.number().int().positive() }),
  validate: (p, s) => (s.get(`/actors/${p.actor}/dead`) === false ? valid : invalid('rule-violation', `${p.actor} cannot be hit`)),
  reduce: (e, s) => [{ op: 'replace', path: `/actors/${e.payload.actor}/hp`, value: Math.max(0, (s.get(`/actors/${e.payload.actor}/hp`) as number) - e.payload.amount) }],
};
const heal: IntentDefinition<{ actor: string }> = {
  type: 'plugin:testsys:heal',
  payload: z.object({ actor: z.string() }),
  validate: () => valid,
  reduce: (e) => [{ op: 'replace', path: `/actors/${e.payload.actor}/hp`, value: 5 }],
};
const finish: IntentDefinition<{ actor: string }> = {
  type: 'plugin:testsys:finish',
  payload: z.object({ actor: z.string() }),
  validate: (p, s) => (s.get(`/actors/${p.actor}/hp`) === 0 ? valid : invalid('rule-violation', `${p.actor} is still standing`)),
  reduce: (e) => [{ op: 'replace', path: `/actors/${e.payload.actor}/dead`, value: true }],
};
export const testsys: GameSystemPlugin = {
  id: 'testsys',
  name: 'Test system',
  version: '1.0.0',
  intents: [spawn, hit, heal, finish],
  createStateEvent: (action) => createIntent(`plugin:testsys:${action.kind}`, action.data),
  validateStateChange: (change) =>
    change.patch.every((op) => /^\/actors\/[^/]+\/(dead|hp)$/.test(op.path))
      ? valid
      : invalid('rule-violation', 'an edit may only change hp or dead'),
  resolveConflict: () => ({ kind: 'reject', reason: 'changed' }),
  computeDerivedState: () => ({}),
  isCritical: (_event, patch) =>
    patch.some((op) => op.op === 'replace' && op.path.endsWith('/dead') && op.value === true) ? { summary: 'a character dies' } : null,
};
