import {
  ENTITY_VERSION_KEY,
  JsonPatchError,
  applyPatch,
  createJsonReader,
  readEntityVersion,
  touchedEntities,
  type Intent,
  type IntentDefinition,
  type IntentRegistry,
  type JsonObject,
  type JsonPatchOp,
  type JsonValue,
  type SessionRole,
  type StateReader,
} from '@dungeon-lab/events';

/** One intent whose predicted effect may be shown over the doc. */
export interface OverlayItem {
  readonly intent: Intent;
  /** Client clock when submitted: the timestamp a prediction uses. */
  readonly createdAt: number;
  /** The doc's `/meta/sequence` when the intent was first sent; null while it never left this client. */
  readonly sentFloor: number | null;
  /** Set once acknowledged: the sequence that carries its real effect. */
  readonly sequence?: number;
}

export interface PredictionContext {
  readonly userId: string;
  readonly sessionId: string;
  /** The client's role in the session; absent (unknown) counts as a player, as on the server, so a GM-only intent is not predicted. */
  readonly role?: SessionRole;
}

export interface SkippedPrediction {
  readonly id: string;
  readonly detail: string;
}

export interface OverlayPlan {
  /** Some sent, unacked intent may or may not be in the doc: keep showing the last view if there is one. */
  readonly hold: boolean;
  /** The predictions known to belong over the doc (the undecidable ones left out). */
  readonly apply: readonly OverlayItem[];
}

/**
 * Which predictions belong over a doc at `docSequence` ([EQ8]). An acked
 * intent's prediction stays until the doc holds its sequence. A never-sent one
 * cannot be in the doc. A sent, unacked one is safe to show only if every
 * sequence the doc gained since it was sent is attributed to some other intent;
 * otherwise its effect may already be in the doc and showing the prediction
 * would count it twice, while dropping it could show neither — so the view
 * holds its last value (`hold`) until the ack or broadcast that follows.
 * With no last value to hold (the first view after a reload), the doc wins
 * and the undecidable predictions are left out.
 */
export function planOverlay(
  items: readonly OverlayItem[],
  docSequence: number,
  identifiedCovers: (from: number, to: number) => boolean,
): OverlayPlan {
  const apply: OverlayItem[] = [];
  let hold = false;
  for (const item of items) {
    if (item.sequence !== undefined) {
      if (docSequence < item.sequence) apply.push(item);
    } else if (item.sentFloor === null || item.sentFloor >= docSequence || identifiedCovers(item.sentFloor + 1, docSequence)) {
      apply.push(item);
    } else {
      hold = true;
    }
  }
  return { hold, apply };
}

/**
 * Applies each item's predicted changes in order, each validated and reduced
 * against the view so far by the same definition the server runs ([EQ7]).
 * A prediction that fails locally is skipped (the intent still goes to the
 * server, which decides). Entity `_version`s are bumped as the server does,
 * so a follow-up intent can take its `expected` version from the view.
 */
export function applyPredictions(
  base: JsonObject,
  items: readonly OverlayItem[],
  registry: IntentRegistry,
  ctx: PredictionContext,
): { view: JsonObject; skipped: SkippedPrediction[] } {
  const state = new DeferredPatch(base);
  const skipped: SkippedPrediction[] = [];
  for (const item of items) {
    const outcome = predictOne(state, item, registry, ctx);
    if (typeof outcome === 'string') skipped.push({ id: item.intent.id, detail: outcome });
    else state.push(item.intent.id, outcome);
  }
  state.flush();
  skipped.push(...state.failed);
  return { view: state.value as JsonObject, skipped };
}

/**
 * The view being built, with patches applied only when someone reads it.
 * Appends (chat, dice) never read state, so a long queue of them costs one
 * patch over the doc rather than one copy of the chat per pending message.
 */
class DeferredPatch {
  value: JsonValue;
  readonly failed: SkippedPrediction[] = [];
  #pending: Array<{ id: string; ops: JsonPatchOp[] }> = [];
  readonly reader: StateReader = {
    get: (pointer) => {
      this.flush();
      return createJsonReader(this.value).get(pointer);
    },
  };

  constructor(base: JsonValue) {
    this.value = base;
  }

  push(id: string, ops: JsonPatchOp[]): void {
    if (ops.length > 0) this.#pending.push({ id, ops });
  }

  flush(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    try {
      this.value = applyPatch(this.value, pending.flatMap((p) => p.ops));
      return;
    } catch (err) {
      if (!(err instanceof JsonPatchError)) throw err;
    }
    // Some prediction no longer fits: apply them one by one to skip just that one.
    for (const { id, ops } of pending) {
      try {
        this.value = applyPatch(this.value, ops);
      } catch (err) {
        if (!(err instanceof JsonPatchError)) throw err;
        this.failed.push({ id, detail: err.message });
      }
    }
  }
}

type ParsedPayload = { readonly definition: IntentDefinition; readonly result: { success: true; data: JsonValue } | { success: false; detail: string } };

/** Payload parses by intent: the same queue is re-predicted on every doc change. */
const parsedPayloads = new WeakMap<Intent, ParsedPayload>();

function parsePayload(intent: Intent, definition: IntentDefinition): ParsedPayload['result'] {
  const cached = parsedPayloads.get(intent);
  if (cached !== undefined && cached.definition === definition) return cached.result;
  const parsed = definition.payload.safeParse(intent.payload);
  const result: ParsedPayload['result'] = parsed.success
    ? { success: true, data: parsed.data }
    : { success: false, detail: `payload: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  parsedPayloads.set(intent, { definition, result });
  return result;
}

/** The ops one intent would make (with its version bumps), or why it cannot be predicted. */
function predictOne(state: DeferredPatch, item: OverlayItem, registry: IntentRegistry, ctx: PredictionContext): JsonPatchOp[] | string {
  const { intent, createdAt } = item;
  const definition = registry.get(intent.type);
  if (definition === undefined) return `no local definition of ${intent.type}`;
  const parsed = parsePayload(intent, definition);
  if (!parsed.success) return parsed.detail;
  const reader = state.reader;
  const intentCtx = { userId: ctx.userId, sessionId: ctx.sessionId, timestamp: createdAt, ...(ctx.role === undefined ? {} : { role: ctx.role }) };
  try {
    const verdict = definition.validate(parsed.data, reader, intentCtx);
    if (!verdict.ok) return `${verdict.reason}: ${verdict.detail}`;
    if (intent.expected !== undefined && readEntityVersion(reader, intent.expected.entity) !== intent.expected.version) {
      return `conflict: ${intent.expected.entity} is not at version ${intent.expected.version}`;
    }
    const ops = definition.reduce({ id: intent.id, type: intent.type, payload: parsed.data, userId: ctx.userId, timestamp: createdAt }, reader);
    const entities = touchedEntities(ops);
    if (entities.length === 0) return ops;
    // Bumps depend on the patched state (the server bumps entities that exist as maps afterwards).
    state.push(intent.id, ops);
    const bumps = versionBumps(reader, entities);
    // The read above applied the ops; if they did not fit, the prediction is already reported as failed.
    return state.failed.some((f) => f.id === intent.id) ? [] : bumps;
  } catch (err) {
    // A reducer bug must not take the whole view down.
    if (err instanceof Error) return err.message;
    throw err;
  }
}

function versionBumps(reader: StateReader, entities: readonly string[]): JsonPatchOp[] {
  const bumps: JsonPatchOp[] = [];
  for (const entity of entities) {
    const node = reader.get(entity);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    bumps.push({ op: 'add', path: `${entity}/${ENTITY_VERSION_KEY}`, value: readEntityVersion(reader, entity) + 1 });
  }
  return bumps;
}
