import {
  type IntentContext,
  type JsonObject,
  type JsonPatchOp,
  type JsonValue,
  JsonPatchError,
  JsonPointerError,
  type StateReader,
  type Validation,
  applyPatch,
  canonicalJson,
  invalid,
  parsePointer,
  touchedEntities,
  valid,
} from '@dungeon-lab/events';
import { isGm, type StateChange } from '@dungeon-lab/plugin-api';
import { RejectReason } from '@dungeon-lab/protocol';
import { type Actor, ActorSchema, actorPointer } from './actor.ts';
import { type CastAoePayload, castAoeTargetIds } from './cast-aoe-intent.ts';
import { isCondition } from './conditions.ts';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { dnd5eIntent } from './intents.ts';

/** Fields a rules effect may change; everything else on an actor (name, AC, abilities, HP maximum, …) must stay. */
const EFFECT_FIELDS = ['hp', 'conditions', 'deathSaves', 'stable', 'dead', 'spellSlots'] as const;
const rule = (detail: string): Validation => invalid(RejectReason.RuleViolation, detail);

function tokensOf(path: string): string[] | undefined {
  try {
    return parsePointer(path);
  } catch (err) {
    if (err instanceof JsonPointerError) return undefined;
    throw err;
  }
}

/**
 * Actors the event affects: those its own reducer touches in the current
 * state plus those its payload names, so a GM may also soften an effect the
 * rules would have applied to someone else in the same event.
 */
function involvedActors(change: StateChange, state: StateReader): Set<string> {
  const ids = new Set<string>();
  const definition = dnd5eIntent(change.event.type);
  if (definition === undefined) return ids;
  const payload = definition.payload.safeParse(change.event.payload);
  if (!payload.success) return ids;
  for (const key of ['attackerId', 'targetId', 'actorId', 'casterId']) {
    const id = (payload.data as Record<string, unknown>)[key];
    if (typeof id === 'string') ids.add(id);
  }
  // Without dice a cast's reducer touches only the caster, so ask for its area directly.
  if (definition.type === DND5E_INTENT_TYPES.castAoe) for (const id of castAoeTargetIds(payload.data as CastAoePayload, state)) ids.add(id);
  let ops: JsonPatchOp[] = [];
  try {
    ops = definition.reduce({ ...change.event, payload: payload.data }, state);
  } catch {
    // A reducer that throws touches nothing; the payload's actors remain.
  }
  for (const entity of touchedEntities(ops)) {
    const t = tokensOf(entity);
    if (t?.[0] === 'actors' && t[1] !== undefined) ids.add(t[1]);
  }
  return ids;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value);
}

function withoutEffects(actor: JsonValue | undefined): JsonValue | undefined {
  if (!isObject(actor)) return actor;
  const rest: JsonObject = { ...actor };
  for (const key of EFFECT_FIELDS) delete rest[key];
  // Of HP and slots only the current values are effects: maxima belong to the sheet.
  const hp = actor.hp;
  if (isObject(hp)) rest.hp = { max: hp.max ?? null };
  const slots = actor.spellSlots;
  if (isObject(slots)) rest.spellSlots = Object.fromEntries(Object.entries(slots).map(([level, slot]) => [level, isObject(slot) ? (slot.max ?? null) : slot]));
  return rest;
}

/** Key order differs between a Y.Map projection and a hand-written object, so compare canonical JSON. */
function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

/** Why an actor as the change leaves it breaks the rules of the data model, or undefined. */
function actorProblem(actor: Actor): string | undefined {
  if (actor.hp.value > actor.hp.max) return `${actor.name}: HP ${actor.hp.value} above the maximum ${actor.hp.max}`;
  const unknown = actor.conditions.find((c) => !isCondition(c));
  if (unknown !== undefined) return `${actor.name}: unknown condition "${unknown}"`;
  if (new Set(actor.conditions).size !== actor.conditions.length) return `${actor.name}: a condition is listed twice`;
  for (const [level, slot] of Object.entries(actor.spellSlots)) {
    if (slot.used > slot.max) return `${actor.name}: ${slot.used} level ${level} slots used of ${slot.max}`;
  }
  if (actor.dead && actor.hp.value > 0) return `${actor.name}: dead with ${actor.hp.value} HP`;
  if (actor.hp.value > 0 && (actor.deathSaves.successes > 0 || actor.deathSaves.failures > 0)) return `${actor.name}: death saves above 0 HP`;
  return undefined;
}

/**
 * Checks a proposed patch for an event — in particular the GM's edited effect
 * of a critical intent before approval ([D20]). GM only. The patch may append
 * to the chat and write only the rules fields (HP, temp HP, conditions, death
 * saves, stable, dead, spell slots) of the actors the event involves; the
 * result must be a valid actor with HP within 0..max, known conditions, slots
 * within their maximum and a consistent dying state.
 */
export function validateStateChange(change: StateChange, state: StateReader, ctx: IntentContext): Validation {
  if (!isGm(ctx)) return invalid(RejectReason.PermissionDenied, 'only the GM may change the effect of an event');
  if (dnd5eIntent(change.event.type) === undefined) return rule(`${change.event.type} is not a dnd5e intent`);
  const involved = involvedActors(change, state);
  for (const op of change.patch) {
    if (op.op === 'test') continue;
    if (op.op === 'move' || op.op === 'copy') return rule(`${op.op} is not allowed in an effect`);
    const t = tokensOf(op.path);
    if (t === undefined) return rule(`malformed path ${op.path}`);
    if (t[0] === 'chat' && t.length === 2 && t[1] === '-' && op.op === 'add') continue;
    if (t[0] !== 'actors' || t[1] === undefined) return rule(`${op.path} is outside the actors the event involves`);
    if (!involved.has(t[1])) return rule(`${op.path}: actor "${t[1]}" is not involved in this event`);
    if (t.length === 2 && op.op === 'remove') return rule(`${op.path}: an effect may not remove an actor`);
  }
  const before: JsonObject = {};
  for (const id of involved) {
    const value = state.get(actorPointer(id));
    if (value !== undefined) before[id] = value;
  }
  let after: JsonValue;
  try {
    after = applyPatch({ actors: before, chat: [] }, change.patch);
  } catch (err) {
    if (err instanceof JsonPatchError) return rule(`the patch does not apply: ${err.message}`);
    throw err;
  }
  const actors = (after as { actors: JsonObject }).actors;
  for (const id of involved) {
    if (!sameJson(withoutEffects(before[id]), withoutEffects(actors[id]))) {
      return rule(`actor "${id}": only HP, temporary HP, conditions, death saves, stable, dead and spell slots may change`);
    }
    if (actors[id] === undefined) continue;
    const parsed = ActorSchema.safeParse(actors[id]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return rule(`actor "${id}": ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
    }
    const problem = actorProblem(parsed.data);
    if (problem !== undefined) return rule(problem);
  }
  return valid;
}
