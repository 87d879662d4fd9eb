import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { DICE_LIMITS, DiceNotationError, type DiceOutcome, diceResultProblem, parseDice, rollDice } from './dice.ts';
import type { JsonObject } from './json.ts';
import { type IntentDefinition, invalid, valid } from './reducer.ts';

const Int = z.number().int();
const TermFields = {
  dice: Int.min(1).max(DICE_LIMITS.maxDicePerTerm),
  sides: Int.min(1).max(DICE_LIMITS.maxSides),
  sign: z.union([z.literal(1), z.literal(-1)]),
  rolls: z.array(Int).max(DICE_LIMITS.maxDicePerTerm),
};

export const DiceOutcomeSchema = z.strictObject({
  terms: z
    .array(z.union([z.strictObject(TermFields), z.strictObject({ ...TermFields, kept: z.array(Int).max(DICE_LIMITS.maxDicePerTerm) })]))
    .max(DICE_LIMITS.maxTerms),
  modifier: Int,
  total: Int,
});

export const DiceRollPayloadSchema = z.strictObject({
  notation: z
    .string()
    .max(DICE_LIMITS.maxNotationLength)
    .superRefine((notation, ctx) => {
      try {
        parseDice(notation);
      } catch (err) {
        if (!(err instanceof DiceNotationError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
      }
    }),
  result: DiceOutcomeSchema.optional(),
});

/** What a client submits is `{ notation }`; the logged payload also holds the server's `result`. */
export type DiceRollPayload = { notation: string } | { notation: string; result: DiceOutcome };

/**
 * `dice:roll` ([EM14]). Clients may not choose their rolls: on the server,
 * `prepare` rolls with the server's random source and OVERWRITES any `result`
 * the client sent, so a claimed result is never honoured. `validate` then
 * rejects (rule-violation) a result that `rollDice` could not have produced
 * for the notation, which protects replays of a log from a forged entry; it
 * cannot tell who rolled, which is why prepare never trusts the client.
 * Without a result (a client predicting) the entry is pending: no total.
 */
export const diceRollIntent: IntentDefinition<DiceRollPayload> = {
  type: 'dice:roll',
  payload: DiceRollPayloadSchema,
  // 20 terms × 100 dice of up to 4 digits, plus the kept indexes: about 20 KB at worst.
  maxPayloadBytes: 32 * 1024,
  priority: true,
  prepare(payload, random) {
    const { notation, ...outcome } = rollDice(payload.notation, random);
    return { notation, result: outcome };
  },
  validate(payload) {
    if (!('result' in payload) || payload.result === undefined) return valid;
    const problem = diceResultProblem(payload.notation, payload.result);
    return problem === undefined ? valid : invalid(RejectReason.RuleViolation, `dice result: ${problem}`);
  },
  reduce(event) {
    const { payload } = event;
    const entry: JsonObject = { id: event.id, userId: event.userId, notation: payload.notation };
    if ('result' in payload && payload.result !== undefined) {
      entry.total = payload.result.total;
      entry.modifier = payload.result.modifier;
      entry.rolls = payload.result.terms;
    } else {
      entry.pending = true;
    }
    entry.timestamp = event.timestamp;
    if (event.sequence !== undefined) entry.sequence = event.sequence;
    return [{ op: 'add', path: '/dice/-', value: entry }];
  },
};
