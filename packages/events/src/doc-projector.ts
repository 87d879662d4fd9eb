import * as Y from 'yjs';
import type { DocSchema } from './doc-schema.ts';
import { DocRoots, yToJson } from './doc-projection.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { setOwn } from './patch-engine.ts';

type Container = Y.Map<unknown> | Y.Array<unknown>;

/**
 * `projectDoc` kept up to date with structural sharing ([EM22]): the JSON of
 * every Y.Map and Y.Array is cached, and a change drops only the cache of the
 * types it touched and of their ancestors, so the next `get()` rebuilds the
 * path from the changed types up to the root and returns every other subtree
 * as the same object as before. A UI selecting `tokens.B` sees a new object
 * only when token B changed.
 *
 * Changes are read from deep observers on the schema's roots (Yjs calls them
 * at the end of every transaction, local or remote, before its `update`
 * event). The projection is what `projectDoc` gives (the same walk, with the
 * cache in between). Never mutate what `get()` returns: it is shared with
 * later projections. `destroy()` stops following the document (the doc's
 * own destroy does too); `get()` then keeps answering from what it has.
 */
export class DocProjector {
  readonly #doc: Y.Doc;
  readonly #roots: ReadonlyArray<readonly [string, Container]>;
  readonly #cache = new WeakMap<Container, JsonValue>();
  #value: JsonObject | null = null;
  #destroyed = false;

  constructor(doc: Y.Doc, schema: DocSchema) {
    this.#doc = doc;
    const roots = new DocRoots(doc, schema);
    this.#roots = Object.keys(schema).map((name) => [name, roots.root(name)] as const);
    for (const [, root] of this.#roots) root.observeDeep(this.#onChanges);
    doc.on('destroy', this.destroy);
  }

  /** The document's JSON, one member per schema root; unchanged parts are the objects earlier calls returned. */
  get(): JsonObject {
    if (this.#value === null) {
      const out: JsonObject = {};
      for (const [name, root] of this.#roots) setOwn(out, name, this.#project(root));
      this.#value = out;
    }
    return this.#value;
  }

  /** Stops following the document; called again (or after the document's own destroy) it does nothing. */
  readonly destroy = (): void => {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const [, root] of this.#roots) root.unobserveDeep(this.#onChanges);
    this.#doc.off('destroy', this.destroy);
  };

  readonly #project = (value: unknown): JsonValue => {
    if (!(value instanceof Y.Map || value instanceof Y.Array)) return yToJson(value);
    const cached = this.#cache.get(value);
    if (cached !== undefined) return cached;
    const json = yToJson(value, this.#project);
    this.#cache.set(value, json);
    return json;
  };

  /** Each event's target changed (a key, an element, text); its ancestors now hold a different child. */
  readonly #onChanges = (events: ReadonlyArray<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    this.#value = null;
    for (const event of events) {
      for (let type: Y.AbstractType<unknown> | null = event.target; type !== null; type = type.parent) {
        this.#cache.delete(type as Container);
      }
    }
  };
}
