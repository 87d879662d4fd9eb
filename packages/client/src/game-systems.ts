import { createIntentRegistry, createJsonReader, type Intent, type IntentContext, type IntentRegistry, type JsonObject, type JsonValue } from '@dungeon-lab/events';
import { assertValidPlugin, type DerivedState, type GameSystemPlugin, type UserAction } from '@dungeon-lab/plugin-api';
import type { ReadableValue } from './readable-value.ts';

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The game-system plugins of a session on this client: their intents join
 * the prediction registry, UI actions become intents through
 * `createStateEvent`, and derived values are computed from the optimistic
 * view — so what a UI shows already includes the client's own pending
 * actions.
 */
export class GameSystems {
  readonly #plugins = new Map<string, GameSystemPlugin>();
  readonly #derived = new Map<string, ReadableValue<DerivedState | null>>();

  constructor(plugins: readonly GameSystemPlugin[]) {
    for (const plugin of plugins) {
      assertValidPlugin(plugin);
      if (this.#plugins.has(plugin.id)) throw new TypeError(`plugin ${plugin.id} given twice`);
      this.#plugins.set(plugin.id, plugin);
    }
  }

  /**
   * The registry predictions use: `given` (which must already hold every
   * plugin intent — it has to match the server's) or the core intents plus
   * the plugins'.
   */
  registry(given: IntentRegistry | undefined): IntentRegistry {
    const intents = [...this.#plugins.values()].flatMap((p) => p.intents);
    if (given === undefined) return createIntentRegistry(intents);
    const missing = intents.filter((d) => !given.has(d.type)).map((d) => d.type);
    if (missing.length > 0) throw new TypeError(`the intents registry lacks plugin intents: ${missing.join(', ')}`);
    return given;
  }

  plugin(id: string): GameSystemPlugin {
    const plugin = this.#plugins.get(id);
    if (plugin === undefined) throw new RangeError(`no plugin ${JSON.stringify(id)}; this session has ${[...this.#plugins.keys()].join(', ') || 'none'}`);
    return plugin;
  }

  /** A UI action as the plugin's intent, judged against `view` (throws for an action the plugin does not know: a UI bug). */
  intentFor(pluginId: string, action: UserAction, view: JsonObject, ctx: IntentContext): Intent {
    return this.plugin(pluginId).createStateEvent(action, createJsonReader(view), ctx);
  }

  /**
   * One actor's derived values over `view`, as a value a UI can read every
   * render (`get()` returns the same object until the result changes, as
   * useSyncExternalStore requires) or subscribe to. Null while the view has
   * no such actor. The same handle is returned for the same plugin and actor.
   */
  derived(pluginId: string, actorId: string, view: ReadableValue<JsonObject>): ReadableValue<DerivedState | null> {
    const plugin = this.plugin(pluginId);
    const key = JSON.stringify([pluginId, actorId]);
    const known = this.#derived.get(key);
    if (known !== undefined) return known;
    let lastActor: JsonObject | null | undefined;
    let lastJson = 'null';
    let last: DerivedState | null = null;
    const get = (): DerivedState | null => {
      const actors = view.get().actors;
      const actor = isObject(actors) && isObject(actors[actorId]) ? (actors[actorId] as JsonObject) : null;
      // The view is cached and patches share untouched subtrees: the same actor object means the same result.
      if (actor === lastActor) return last;
      lastActor = actor;
      const next = actor === null ? null : plugin.computeDerivedState(actor);
      const json = JSON.stringify(next);
      if (json !== lastJson) {
        lastJson = json;
        last = next;
      }
      return last;
    };
    const handle: ReadableValue<DerivedState | null> = {
      get,
      subscribe: (listener) => {
        let seen = get();
        return view.subscribe(() => {
          const next = get();
          if (next === seen) return;
          seen = next;
          listener(next);
        });
      },
    };
    this.#derived.set(key, handle);
    return handle;
  }
}
