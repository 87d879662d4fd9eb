import { RejectReason } from '@dungeon-lab/protocol';
import { z } from 'zod';
import { DICE_LIMITS, DiceNotationError, type DiceOutcome, diceResultProblem, parseDice, rollDice } from './dice.ts';
import type { JsonObject } from './json.ts';
import type { JsonPatchOp } from './json-patch-types.ts';
import { type IntentDefinition, type ReducibleEvent, invalid, valid } from './reducer.ts';

const Int = z.number().int();
export const DICE_LABEL_MAX_CHARS = 200;
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
  /** What the roll is for ("Stealth"), shown with it. */
  label: z.string().min(1).max(DICE_LABEL_MAX_CHARS).optional(),
  /** GM only: the roll goes to the GM document's dice log, and its log entry to GMs only ([EM19]). */
  secret: z.boolean().optional(),
  result: DiceOutcomeSchema.optional(),
});

/** What a client submits is `{ notation, label?, secret? }`; the logged payload also holds the server's `result`. */
export type DiceRollPayload = { notation: string; label?: string; secret?: boolean; result?: DiceOutcome };

/**
 * `dice:roll` ([EM14]). Clients may not choose their rolls: on the server,
 * `prepare` rolls with the server's random source and OVERWRITES any `result`
 * the client sent, so a claimed result is never honoured. `validate` then
 * rejects (rule-violation) a result that `rollDice` could not have produced
 * for the notation, which protects replays of a log from a forged entry; it
 * cannot tell who rolled, which is why prepare never trusts the client.
 * Without a result (a client predicting) the entry is pending: no total.
 * A `secret` roll (GM only) is appended to the GM document's dice log instead
 * and its log entry is for GMs only ([EM19]).
 */
export const diceRollIntent: IntentDefinition<DiceRollPayload> = {
  type: 'dice:roll',
  payload: DiceRollPayloadSchema,
  // 20 terms × 100 dice of up to 4 digits, plus the kept indexes: about 20 KB at worst.
  maxPayloadBytes: 32 * 1024,
  priority: true,
  prepare(payload, random) {
    const { notation, ...outcome } = rollDice(payload.notation, random);
    return { notation, ...requestFields(payload), result: outcome };
  },
  validate(payload, _state, ctx) {
    // A player's secret roll is refused rather than shown to the GM alone: its result would reach nobody who asked for it.
    if (payload.secret === true && ctx.role !== 'gm') return invalid(RejectReason.PermissionDenied, 'only a GM rolls in secret');
    if (payload.result === undefined) return valid;
    const problem = diceResultProblem(payload.notation, payload.result);
    return problem === undefined ? valid : invalid(RejectReason.RuleViolation, `dice result: ${problem}`);
  },
  reduce(event) {
    // A secret roll's prediction shows nothing on the table: its entry belongs to the GM document.
    return event.payload.secret === true ? [] : [appendRoll(event)];
  },
  effects(event) {
    if (event.payload.secret === true) return { table: [], gm: [appendRoll(event)], audience: 'gm' };
    return { table: [appendRoll(event)] };
  },
};

/** The fields a client chose, copied into the prepared payload only when present (a plain roll logs `{ notation, result }`). */
function requestFields(payload: DiceRollPayload): { label?: string; secret?: boolean } {
  return {
    ...(payload.label !== undefined ? { label: payload.label } : {}),
    ...(payload.secret !== undefined ? { secret: payload.secret } : {}),
  };
}

/** `add /dice/-` of the roll's entry; the same shape in the table and the GM document. */
function appendRoll(event: ReducibleEvent<DiceRollPayload>): JsonPatchOp {
  const { payload } = event;
  const entry: JsonObject = { id: event.id, userId: event.userId, notation: payload.notation };
  if (payload.label !== undefined) entry.label = payload.label;
  if (payload.result !== undefined) {
    entry.total = payload.result.total;
    entry.modifier = payload.result.modifier;
    entry.rolls = payload.result.terms;
  } else {
    entry.pending = true;
  }
  entry.timestamp = event.timestamp;
  if (event.sequence !== undefined) entry.sequence = event.sequence;
  return { op: 'add', path: '/dice/-', value: entry };
}
