import type { z } from 'zod';
import type { RejectReason } from '@dungeon-lab/protocol';
import type { JsonPatchOp } from './json-patch-types.ts';
import type { JsonValue } from './json.ts';
import type { LogAudience } from './model.ts';

/**
 * Read access to a session's JSON projection, by JSON Pointer. Lazy on purpose:
 * the server answers from the live Y.Doc and materialises only the subtrees a
 * reducer asks for, so validating an intent costs what it reads, not the doc size.
 */
export interface StateReader {
  /**
   * The JSON value at `pointer` (e.g. `/tokens/t1`), or undefined if nothing is
   * there (a malformed pointer reads as absent too). The value may share memory
   * with the document or projection behind the reader: treat it as read-only.
   */
  get(pointer: string): JsonValue | undefined;
}

/** A member's role in a game session. */
export type SessionRole = 'gm' | 'player';

export interface IntentContext {
  readonly userId: string;
  readonly sessionId: string;
  /**
   * The actor's role in the session, as the server knows it (absent where
   * membership is not known, which counts as a player). Rules that only a GM
   * may invoke check it in `validate` and reject with `permission-denied`.
   */
  readonly role?: SessionRole;
  /** Server time (ms) when sequenced; the client's clock when predicting. */
  readonly timestamp: number;
  /**
   * The session's GM document ([EL16]), given only to rules that run for a
   * GM: on the server when the actor's role is `gm`, on a GM's client that
   * holds the doc. Absent for players, so nothing a player submits can
   * depend on hidden state and no rejection can hint at it.
   */
  readonly gm?: StateReader;
}

/**
 * What one event does to the session's documents ([EL16]): `table` is the
 * patch of the table doc (what `reduce` returns), `gm` the patch of the GM
 * doc, written by the sequencer in the same step; `audience` who may read the
 * log entry (decided by the intent; absent means `all`, subject to the
 * server's hidden-entity check).
 */
export interface IntentEffects {
  readonly table: JsonPatchOp[];
  readonly gm?: JsonPatchOp[];
  readonly audience?: LogAudience;
}

export type Validation = { readonly ok: true } | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

export const valid: Validation = { ok: true };

export function invalid(reason: RejectReason, detail: string): Validation {
  return { ok: false, reason, detail };
}

/** What a reducer sees of an event: its payload after `prepare`, and who/when. */
export interface ReducibleEvent<P> {
  readonly id: string;
  readonly type: string;
  readonly payload: P;
  readonly userId: string;
  readonly timestamp: number;
  /** Set once the server sequenced it; absent while a client predicts. */
  readonly sequence?: number;
}

/**
 * One intent type. `validate` and `reduce` are pure and deterministic and run
 * identically on the server (authority) and the client (prediction overlay).
 *
 * Server order: `validateIntent` (envelope, type, size, checksum, payload
 * schema) → `prepare` → `validate` → `reduce`, all against the same state. So
 * on the server `validate` and `reduce` see the PREPARED payload, while a
 * predicting client calls them with the payload as submitted (no `prepare`):
 * both shapes must be handled (see dice:roll, [EM14]).
 */
export interface IntentDefinition<P extends JsonValue = JsonValue> {
  readonly type: string;
  /** Runtime schema of the payload a client submits. */
  readonly payload: z.ZodType<P>;
  /** Largest accepted payload, in UTF-8 bytes of canonical JSON ([EM2]); DEFAULT_MAX_PAYLOAD_BYTES (64 KiB) when unset. */
  readonly maxPayloadBytes?: number;
  /** Sent at once instead of waiting for the client's batching window. */
  readonly priority?: boolean;
  /**
   * Server-only, before sequencing: fills in what only the server may decide
   * (dice results) using the server's random source. The result is what gets
   * logged, so replays and clients see the same rolls. It must overwrite, never
   * trust, any such field a client put in the payload.
   */
  prepare?(payload: P, random: () => number, ctx: IntentContext): P;
  /** Rule check against the current state; rejections carry a reason from the protocol table. */
  validate(payload: P, state: StateReader, ctx: IntentContext): Validation;
  /**
   * The state changes, as JSON Patch operations over the projection. They must
   * obey the document rules of `applyPatchToDoc` ([EM5], [EM6]): paths inside a
   * schema root, never a root itself; written objects and arrays become Yjs types.
   */
  reduce(event: ReducibleEvent<P>, state: StateReader): JsonPatchOp[];
  /**
   * Server only, for intents whose effects reach beyond the table doc
   * ([EL16]): replaces `reduce` when the server sequences the event. `gm` is
   * the GM document, present only when the actor is a GM (as `ctx.gm`).
   * Clients go on predicting with `reduce`, which must then return only what
   * a player may see (usually nothing). Same purity rules as `reduce`.
   */
  effects?(event: ReducibleEvent<P>, state: StateReader, gm: StateReader | undefined): IntentEffects;
}
