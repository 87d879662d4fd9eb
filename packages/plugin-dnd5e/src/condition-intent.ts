import { type IntentDefinition, invalid, valid } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { readActor } from './actor.ts';
import { actorChangeOps } from './actor-ops.ts';
import { chatCardOp } from './chat-card.ts';
import { ConditionSchema, withConditions, withoutConditions } from './conditions.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { EntityIdSchema } from './payload-fields.ts';
import { gmOnlyProblem } from './permissions.ts';

export const ConditionPayloadSchema = z.strictObject({
  targetId: EntityIdSchema,
  condition: ConditionSchema,
  action: z.enum(['add', 'remove']),
});
export type ConditionPayload = z.infer<typeof ConditionPayloadSchema>;

/**
 * `plugin:dnd5e:condition` ([D13]), GM only: adds or removes one of the 5e
 * conditions. Adding a present condition or removing an absent one changes
 * nothing, so a resend or a concurrent duplicate is harmless.
 */
export const conditionIntent: IntentDefinition<ConditionPayload> = {
  type: DND5E_INTENT_TYPES.condition,
  payload: ConditionPayloadSchema,
  maxPayloadBytes: 1024,
  validate(payload, state, ctx) {
    const denied = gmOnlyProblem(ctx, 'change conditions');
    if (denied) return denied;
    const target = readActor(state, payload.targetId);
    return target.ok ? valid : invalid(RejectReason.RuleViolation, target.problem);
  },
  reduce(event, state) {
    const { targetId, condition, action } = event.payload;
    const target = readActor(state, targetId);
    if (!target.ok) return [];
    const conditions = action === 'add' ? withConditions(target.actor.conditions, [condition]) : withoutConditions(target.actor.conditions, [condition]);
    const after = { ...target.actor, conditions };
    const text = `${target.actor.name} ${action === 'add' ? 'is now' : 'is no longer'} ${condition}.`;
    return [...actorChangeOps(state, targetId, target.actor, after), chatCardOp(event, text, { targetId, condition, action })];
  },
};
