import type {
  AnyIntentDefinition,
  ExpectedVersion,
  Intent,
  IntentContext,
  JsonObject,
  JsonPatchOp,
  JsonValue,
  ReducibleEvent,
  StateReader,
  Validation,
} from '@dungeon-lab/events';

/** Something a user did in the UI, before it becomes an intent (the seed's UserAction). */
export interface UserAction {
  /** The plugin's short action name, e.g. `attack`. */
  readonly kind: string;
  readonly data: JsonValue;
}

/**
 * A proposed state change: the event that wants it and the JSON Patch it
 * would apply. Used when a GM edits a critical intent's effect before
 * approving it, and when two changes to the same entity conflict.
 */
export interface StateChange {
  readonly event: ReducibleEvent<JsonValue>;
  readonly patch: readonly JsonPatchOp[];
}

/**
 * How a conflict between a client's intent and what happened meanwhile is
 * settled (the seed's strategies): apply it anyway (its rules compose, e.g.
 * damage against current HP), reject it with a reason the user sees, or send
 * it to the GM.
 */
export type ConflictResolution =
  | { readonly kind: 'apply' }
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'manual'; readonly reason: string };

/** Why an event must wait for the GM. */
export interface CriticalVerdict {
  /** Shown to the GM, e.g. "Thorin fails a third death save and dies". */
  readonly summary: string;
}

/** Values a UI shows but nobody stores: computed from an actor's data. */
export type DerivedState = JsonObject;

/**
 * A game system. Its intents are registered with namespaced types
 * `plugin:<id>:<name>`; everything else runs on both the server (authority)
 * and clients (prediction, UI), so it must be pure and deterministic.
 */
export interface GameSystemPlugin {
  /** Lower-case id used in intent types, e.g. `dnd5e`. */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  /** Intent definitions whose `type` is the full namespaced type (`plugin:<id>:<name>`). */
  readonly intents: readonly AnyIntentDefinition[];

  /** Turns a UI action into an intent (ids, checksums and preconditions filled in). */
  createStateEvent(action: UserAction, state: StateReader, ctx: IntentContext): Intent;

  /**
   * Checks a proposed change against the rules — in particular a GM's edited
   * effect of a critical intent before it is approved.
   */
  validateStateChange(change: StateChange, state: StateReader, ctx: IntentContext): Validation;

  /**
   * Called when an intent's precondition (`expected` version of one entity)
   * no longer holds: `local` is what the client expected, `remote` the entity
   * as it is now.
   */
  resolveConflict(
    local: { readonly intent: Intent; readonly expected: ExpectedVersion },
    remote: { readonly entity: JsonValue | undefined; readonly version: number },
    state: StateReader,
  ): ConflictResolution;

  /** Derived values of one actor (AC with conditions, attack modifiers, …). */
  computeDerivedState(actor: JsonObject): DerivedState;

  /**
   * Whether a sequenced event, with the patch it would apply, must wait for the
   * GM's approval (e.g. a character's death). Null when it may apply at once.
   */
  isCritical(event: ReducibleEvent<JsonValue>, patch: readonly JsonPatchOp[], state: StateReader): CriticalVerdict | null;
}

const PLUGIN_ID = /^[a-z][a-z0-9-]{0,31}$/;

/** The namespaced type of a plugin's intent. */
export function pluginIntentType(pluginId: string, name: string): string {
  return `plugin:${pluginId}:${name}`;
}

/** Checks a plugin's id and that all its intents carry its namespace; throws a descriptive Error otherwise. */
export function assertValidPlugin(plugin: GameSystemPlugin): void {
  if (!PLUGIN_ID.test(plugin.id)) throw new Error(`invalid plugin id "${plugin.id}"`);
  const prefix = `plugin:${plugin.id}:`;
  for (const intent of plugin.intents) {
    if (!intent.type.startsWith(prefix)) throw new Error(`intent ${intent.type} of plugin ${plugin.id} must start with ${prefix}`);
  }
}
