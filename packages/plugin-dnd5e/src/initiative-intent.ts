import { type IntentDefinition, type JsonObject, formatPointer, invalid, valid } from '@dungeon-lab/events';
import { setOp } from '@dungeon-lab/plugin-api';
import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { abilityModifier } from './abilities.ts';
import { readActor } from './actor.ts';
import { chatCardOp } from './chat-card.ts';
import { d20Problem, rollD20s } from './dice-pools.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { EntityIdSchema, IntSchema } from './payload-fields.ts';
import { gmOnlyProblem } from './permissions.ts';

/** Combatants one roll may order: a large battle, bounded so a payload stays small. */
export const MAX_COMBATANTS = 50;

export const RollInitiativePayloadSchema = z.strictObject({
  /** The tokens that fight, each once. */
  tokenIds: z.array(EntityIdSchema).min(1).max(MAX_COMBATANTS),
  /** One natural d20 per token, in the same order, filled in by the server's `prepare`. */
  rolls: z.array(IntSchema).optional(),
});
export type RollInitiativePayload = z.infer<typeof RollInitiativePayloadSchema>;

/** One place in the turn order as `/encounter/combatants` holds it. */
export interface Combatant {
  readonly tokenId: string;
  readonly name: string;
  /** The d20 plus the DEX modifier. */
  readonly initiative: number;
  readonly roll: number;
  /** The DEX score, which breaks ties (the higher acts first). */
  readonly dex: number;
}

function tokenActorId(token: unknown): string | null {
  if (typeof token !== 'object' || token === null || Array.isArray(token)) return null;
  const actorId = (token as JsonObject).actorId;
  return typeof actorId === 'string' && actorId !== '' ? actorId : null;
}

/**
 * The turn order from the rolls ([D24]): initiative = d20 + DEX modifier,
 * highest first; ties go to the higher DEX score, then (so every peer agrees)
 * to the token id. A token without a readable actor rolls with DEX 10.
 */
export function turnOrder(tokenIds: readonly string[], rolls: readonly number[], dexOf: (tokenId: string) => { name: string; dex: number }): Combatant[] {
  return tokenIds
    .map((tokenId, i) => {
      const { name, dex } = dexOf(tokenId);
      const roll = rolls[i]!;
      return { tokenId, name, roll, dex, initiative: roll + abilityModifier(dex) };
    })
    .sort((a, b) => b.initiative - a.initiative || b.dex - a.dex || (a.tokenId < b.tokenId ? -1 : a.tokenId > b.tokenId ? 1 : 0));
}

/**
 * `plugin:dnd5e:roll-initiative` ([D24]), GM only: the server rolls a d20
 * for each combatant and the encounter starts — `/encounter` holds the turn
 * order, round 1, the first combatant's turn. Turns advance by the GM's free
 * edits of `/encounter/turn` and `/round` (write rule W9). Only tokens on the
 * table can fight: a hidden token's id must not reach the table document.
 */
export const rollInitiativeIntent: IntentDefinition<RollInitiativePayload> = {
  type: DND5E_INTENT_TYPES.rollInitiative,
  payload: RollInitiativePayloadSchema,
  maxPayloadBytes: 16 * 1024,
  priority: true,
  prepare(payload, random) {
    return { tokenIds: payload.tokenIds, rolls: rollD20s(payload.tokenIds.length, random) };
  },
  validate(payload, state, ctx) {
    const denied = gmOnlyProblem(ctx, 'start an encounter');
    if (denied) return denied;
    if (new Set(payload.tokenIds).size !== payload.tokenIds.length) return invalid(RejectReason.RuleViolation, 'a combatant is listed twice');
    if (payload.rolls !== undefined) {
      const claim = d20Problem(payload.rolls, payload.tokenIds.length, 'initiative');
      if (claim !== undefined) return invalid(RejectReason.RuleViolation, claim);
    }
    const missing = payload.tokenIds.find((id) => state.get(formatPointer(['tokens', id])) === undefined);
    return missing === undefined ? valid : invalid(RejectReason.RuleViolation, `no token "${missing}" on the table`);
  },
  reduce(event, state) {
    const { tokenIds, rolls } = event.payload;
    if (rolls === undefined || d20Problem(rolls, tokenIds.length, 'initiative') !== undefined) {
      return [chatCardOp(event, 'Rolling initiative…', { tokenIds: [...tokenIds] }, true)];
    }
    const order = turnOrder(tokenIds, rolls, (tokenId) => {
      const actorId = tokenActorId(state.get(formatPointer(['tokens', tokenId])));
      const read = actorId === null ? null : readActor(state, actorId);
      return read?.ok ? { name: read.actor.name, dex: read.actor.abilities.dex } : { name: tokenId, dex: 10 };
    });
    const combatants = order.map((c) => ({ ...c }));
    const text = `Initiative: ${order.map((c) => `${c.name} ${c.initiative}`).join(', ')}.`;
    return [
      setOp(state, '/encounter/active', true),
      setOp(state, '/encounter/round', 1),
      setOp(state, '/encounter/turn', 0),
      setOp(state, '/encounter/combatants', combatants),
      chatCardOp(event, text, { combatants }),
    ];
  },
};
