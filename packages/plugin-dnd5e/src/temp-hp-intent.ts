import { type IntentDefinition, invalid, valid } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { readActor } from './actor.ts';
import { actorChangeOps } from './actor-ops.ts';
import { chatCardOp } from './chat-card.ts';
import { grantTempHp } from './hit-points.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { AmountSchema, EntityIdSchema } from './payload-fields.ts';
import { gmOnlyProblem } from './permissions.ts';

export const TempHpPayloadSchema = z.strictObject({ targetId: EntityIdSchema, amount: AmountSchema });
export type TempHpPayload = z.infer<typeof TempHpPayloadSchema>;

/** `plugin:dnd5e:temp-hp` ([D12]), GM only: temporary HP do not stack, the higher value stays. */
export const tempHpIntent: IntentDefinition<TempHpPayload> = {
  type: DND5E_INTENT_TYPES.tempHp,
  payload: TempHpPayloadSchema,
  maxPayloadBytes: 1024,
  validate(payload, state, ctx) {
    const denied = gmOnlyProblem(ctx, 'grant temporary hit points');
    if (denied) return denied;
    const target = readActor(state, payload.targetId);
    if (!target.ok) return invalid(RejectReason.RuleViolation, target.problem);
    if (target.actor.dead) return invalid(RejectReason.RuleViolation, `${target.actor.name} is dead`);
    return valid;
  },
  reduce(event, state) {
    const { targetId, amount } = event.payload;
    const target = readActor(state, targetId);
    if (!target.ok || target.actor.dead) return [];
    const after = grantTempHp(target.actor, amount);
    const text =
      after === target.actor
        ? `${target.actor.name} keeps ${target.actor.hp.temp} temporary HP (temporary HP do not stack).`
        : `${target.actor.name} has ${after.hp.temp} temporary HP.`;
    return [...actorChangeOps(state, targetId, target.actor, after), chatCardOp(event, text, { targetId, amount, temp: after.hp.temp })];
  },
};
