import { type IntentDefinition, invalid, valid } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { readActor } from './actor.ts';
import { actorChangeOps } from './actor-ops.ts';
import { chatCardOp } from './chat-card.ts';
import { DamageTypeSchema } from './damage-types.ts';
import { applyDefenses } from './defenses.ts';
import { takeDamage } from './hit-points.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { fateText } from './outcome-text.ts';
import { AmountSchema, EntityIdSchema } from './payload-fields.ts';
import { gmOnlyProblem } from './permissions.ts';

export const DamagePayloadSchema = z.strictObject({
  targetId: EntityIdSchema,
  amount: AmountSchema,
  type: DamageTypeSchema,
  /** From a critical hit: two death-save failures for a creature at 0 HP. */
  critical: z.boolean().optional(),
});
export type DamagePayload = z.infer<typeof DamagePayloadSchema>;

/**
 * `plugin:dnd5e:damage` ([D10]), GM only: damage of a type to a living
 * creature, through the same resistance and hit-point rules as attacks.
 */
export const damageIntent: IntentDefinition<DamagePayload> = {
  type: DND5E_INTENT_TYPES.damage,
  payload: DamagePayloadSchema,
  maxPayloadBytes: 1024,
  validate(payload, state, ctx) {
    const denied = gmOnlyProblem(ctx, 'deal damage directly');
    if (denied) return denied;
    const target = readActor(state, payload.targetId);
    if (!target.ok) return invalid(RejectReason.RuleViolation, target.problem);
    if (target.actor.dead) return invalid(RejectReason.RuleViolation, `${target.actor.name} is already dead`);
    return valid;
  },
  reduce(event, state) {
    const { targetId, amount, type, critical } = event.payload;
    const target = readActor(state, targetId);
    if (!target.ok || target.actor.dead) return [];
    const defended = applyDefenses(target.actor, amount, type);
    const result = takeDamage(target.actor, defended.amount, critical === true);
    const defense = defended.applied === null ? '' : ` (${defended.applied}: ${defended.amount})`;
    const text = `${target.actor.name} takes ${amount} ${type} damage${defense}.${fateText(target.actor.name, result.droppedToZero, result.died)}`;
    const card = { targetId, amount, type, taken: defended.amount, defense: defended.applied, critical: critical === true, targetHp: result.actor.hp.value, died: result.died };
    return [...actorChangeOps(state, targetId, target.actor, result.actor), chatCardOp(event, text, card)];
  },
};
