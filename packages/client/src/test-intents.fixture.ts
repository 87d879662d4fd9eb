import { RejectReason } from '@dungeon-lab/protocol';
import { invalid, valid, type IntentDefinition } from '@dungeon-lab/events';
import { z } from 'zod';

/** Test support: intent definitions registered on both the test server and its clients. */

const HitPayloadSchema = z.strictObject({ actor: z.string().min(1), amount: z.number().int().positive() });
type HitPayload = z.infer<typeof HitPayloadSchema>;

/**
 * `test:hit`: HP that never goes below 0 — a reducer that does not commute
 * with itself once the floor is reached (10 − 8 − 5 and 10 − 5 − 8 both end
 * at 0, but the intermediate values differ).
 */
export const hitIntent: IntentDefinition<HitPayload> = {
  type: 'test:hit',
  payload: HitPayloadSchema,
  validate({ actor }, state) {
    return typeof state.get(`/actors/${actor}/hp`) === 'number' ? valid : invalid(RejectReason.RuleViolation, `no actor ${actor}`);
  },
  reduce({ payload: { actor, amount } }, state) {
    const hp = state.get(`/actors/${actor}/hp`) as number;
    return [{ op: 'replace', path: `/actors/${actor}/hp`, value: Math.max(0, hp - amount) }];
  },
};

const SpawnPayloadSchema = z.strictObject({ actor: z.string().min(1), hp: z.number().int().nonnegative() });
type SpawnPayload = z.infer<typeof SpawnPayloadSchema>;

/** `test:spawn`: creates (or resets) an actor with some HP. */
export const spawnIntent: IntentDefinition<SpawnPayload> = {
  type: 'test:spawn',
  payload: SpawnPayloadSchema,
  validate: () => valid,
  reduce: ({ payload: { actor, hp } }) => [{ op: 'add', path: `/actors/${actor}`, value: { hp } }],
};

export const TEST_INTENTS = [hitIntent, spawnIntent];
