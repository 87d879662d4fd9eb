import { type IntentDefinition, invalid, valid } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { readActor } from './actor.ts';
import { actorChangeOps } from './actor-ops.ts';
import { chatCardOp } from './chat-card.ts';
import { heal } from './hit-points.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { AmountSchema, EntityIdSchema } from './payload-fields.ts';
import { gmOnlyProblem } from './permissions.ts';

export const HealPayloadSchema = z.strictObject({ targetId: EntityIdSchema, amount: AmountSchema.min(1) });
export type HealPayload = z.infer<typeof HealPayloadSchema>;

/**
 * `plugin:dnd5e:heal` ([D11]), GM only: restores HP up to the maximum; a
 * creature at 0 HP wakes up (still prone) with its death saves reset. The dead
 * need more than healing.
 */
export const healIntent: IntentDefinition<HealPayload> = {
  type: DND5E_INTENT_TYPES.heal,
  payload: HealPayloadSchema,
  maxPayloadBytes: 1024,
  validate(payload, state, ctx) {
    const denied = gmOnlyProblem(ctx, 'heal directly');
    if (denied) return denied;
    const target = readActor(state, payload.targetId);
    if (!target.ok) return invalid(RejectReason.RuleViolation, target.problem);
    if (target.actor.dead) return invalid(RejectReason.RuleViolation, `${target.actor.name} is dead; healing cannot restore them`);
    return valid;
  },
  reduce(event, state) {
    const { targetId, amount } = event.payload;
    const target = readActor(state, targetId);
    if (!target.ok || target.actor.dead) return [];
    const after = heal(target.actor, amount);
    const gained = after.hp.value - target.actor.hp.value;
    const woke = target.actor.hp.value === 0 && gained > 0 ? ` ${target.actor.name} regains consciousness.` : '';
    const text = `${target.actor.name} regains ${gained} HP (${after.hp.value}/${after.hp.max}).${woke}`;
    return [...actorChangeOps(state, targetId, target.actor, after), chatCardOp(event, text, { targetId, amount, gained, targetHp: after.hp.value })];
  },
};
