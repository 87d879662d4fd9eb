import { type IntentDefinition, createIntent, invalid, valid } from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { z } from 'zod';

/**
 * The game system of the sync fuzz, registered on its servers and clients:
 * actors with HP. `hit` floors HP at 0, so hits do not commute once the floor
 * is reached; `heal` sets HP outright (it does not commute with anything);
 * `finish` of an actor at 0 HP is critical and waits for the GM ([EL13]).
 */
export const FUZZ_SYSTEM_ID = 'fz';

const ActorPayload = z.strictObject({ actor: z.string().min(1) });

const spawn: IntentDefinition<{ actor: string; hp: number }> = {
  type: 'plugin:fz:spawn',
  payload: z.strictObject({ actor: z.string().min(1), hp: z.number().int().nonnegative() }),
  validate: () => valid,
  reduce: (e) => [{ op: 'add', path: `/actors/${e.payload.actor}`, value: { hp: e.payload.hp, dead: false } }],
};

const hit: IntentDefinition<{ actor: string; amount: number }> = {
  type: 'plugin:fz:hit',
  payload: z.strictObject({ actor: z.string().min(1), amount: z.number().int().positive() }),
  validate: (p, s) => (s.get(`/actors/${p.actor}/dead`) === false ? valid : invalid('rule-violation', `${p.actor} cannot be hit`)),
  reduce: (e, s) => [{ op: 'replace', path: `/actors/${e.payload.actor}/hp`, value: Math.max(0, (s.get(`/actors/${e.payload.actor}/hp`) as number) - e.payload.amount) }],
};

const heal: IntentDefinition<{ actor: string }> = {
  type: 'plugin:fz:heal',
  payload: ActorPayload,
  validate: (p, s) => (s.get(`/actors/${p.actor}/dead`) === false ? valid : invalid('rule-violation', `${p.actor} is beyond healing`)),
  reduce: (e) => [{ op: 'replace', path: `/actors/${e.payload.actor}/hp`, value: 7 }],
};

const finish: IntentDefinition<{ actor: string }> = {
  type: 'plugin:fz:finish',
  payload: ActorPayload,
  validate: (p, s) => (s.get(`/actors/${p.actor}/hp`) === 0 && s.get(`/actors/${p.actor}/dead`) === false ? valid : invalid('rule-violation', `${p.actor} is still standing`)),
  reduce: (e) => [{ op: 'replace', path: `/actors/${e.payload.actor}/dead`, value: true }],
};

export const fuzzSystem: GameSystemPlugin = {
  id: FUZZ_SYSTEM_ID,
  name: 'Sync fuzz system',
  version: '1.0.0',
  intents: [spawn, hit, heal, finish],
  createStateEvent: (action) => createIntent(`plugin:fz:${action.kind}`, action.data),
  validateStateChange: (change) =>
    change.patch.every((op) => /^\/actors\/[^/]+\/(dead|hp)$/.test(op.path)) ? valid : invalid('rule-violation', 'an edit may only change hp or dead'),
  resolveConflict: () => ({ kind: 'reject', reason: 'changed meanwhile' }),
  computeDerivedState: () => ({}),
  isCritical: (_event, patch) => (patch.some((op) => op.op === 'replace' && op.path.endsWith('/dead') && op.value === true) ? { summary: 'an actor dies' } : null),
};
