import { type IntentDefinition, invalid, valid } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { readActor } from './actor.ts';
import { actorChangeOps } from './actor-ops.ts';
import { chatCardOp } from './chat-card.ts';
import { type DeathSaveOutcome, rollDeathSave } from './death-saves.ts';
import { d20Problem, rollD20s } from './dice-pools.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { EntityIdSchema, IntSchema } from './payload-fields.ts';
import { controlProblem } from './permissions.ts';

export const DeathSavePayloadSchema = z.strictObject({
  actorId: EntityIdSchema,
  /** The natural d20, filled in by the server's `prepare`. */
  roll: IntSchema.optional(),
});
export type DeathSavePayload = z.infer<typeof DeathSavePayloadSchema>;

const OUTCOME_TEXT: Record<DeathSaveOutcome, string> = {
  success: 'succeeds on a death save',
  failure: 'fails a death save',
  'two-failures': 'rolls a natural 1: two death-save failures',
  revived: 'rolls a natural 20 and regains 1 HP',
  stable: 'succeeds on a third death save and is stable',
  dead: 'fails a third death save and dies',
};

/**
 * `plugin:dnd5e:death-save` ([D14]): by the owning player or the GM, for a
 * character at 0 HP that is neither stable nor dead.
 */
export const deathSaveIntent: IntentDefinition<DeathSavePayload> = {
  type: DND5E_INTENT_TYPES.deathSave,
  payload: DeathSavePayloadSchema,
  maxPayloadBytes: 1024,
  priority: true,
  prepare(payload, random) {
    return { actorId: payload.actorId, roll: rollD20s(1, random)[0]! };
  },
  validate(payload, state, ctx) {
    if (payload.roll !== undefined) {
      const claim = d20Problem([payload.roll], 1, 'death save');
      if (claim !== undefined) return invalid(RejectReason.RuleViolation, claim);
    }
    const read = readActor(state, payload.actorId);
    if (!read.ok) return invalid(RejectReason.RuleViolation, read.problem);
    const { actor } = read;
    const denied = controlProblem(actor, payload.actorId, ctx);
    if (denied) return denied;
    if (actor.kind !== 'character') return invalid(RejectReason.RuleViolation, `${actor.name} is not a player character; only characters make death saves`);
    if (actor.dead) return invalid(RejectReason.RuleViolation, `${actor.name} is already dead`);
    if (actor.hp.value > 0) return invalid(RejectReason.RuleViolation, `${actor.name} is not at 0 HP`);
    if (actor.stable) return invalid(RejectReason.RuleViolation, `${actor.name} is stable`);
    return valid;
  },
  reduce(event, state) {
    const { actorId, roll } = event.payload;
    const read = readActor(state, actorId);
    if (!read.ok) return [];
    const { actor } = read;
    if (actor.kind !== 'character' || actor.dead || actor.hp.value > 0 || actor.stable) return [];
    if (roll === undefined || d20Problem([roll], 1, 'death save') !== undefined) {
      return [chatCardOp(event, `${actor.name} makes a death save…`, { actorId }, true)];
    }
    const result = rollDeathSave(actor, roll);
    const card = { actorId, roll, outcome: result.outcome, deathSaves: { ...result.actor.deathSaves } };
    return [...actorChangeOps(state, actorId, actor, result.actor), chatCardOp(event, `${actor.name} ${OUTCOME_TEXT[result.outcome]} (${roll}).`, card)];
  },
};
