import * as Y from 'yjs';
import type { DocSchema } from './doc-schema.ts';
import { JsonPatchError, type JsonPatchOp } from './json-patch-types.ts';
import { parsePointerOrUndefined } from './json-pointer.ts';
import { plainJsonAdapter } from './json-patch.ts';
import type { JsonObject, JsonValue } from './json.ts';
import {
  ArrayDraft,
  type Draft,
  NOT_FOUND,
  type NodeKind,
  ObjectDraft,
  type OpCheck,
  type SourceAdapter,
  isDraft,
  lookup,
  materialise,
  runOps,
  setOwn,
} from './patch-engine.ts';
import type { StateReader } from './reducer.ts';

type YContainer = Y.Map<unknown> | Y.Array<unknown>;

/** The document's fixed roots seen as one object, so pointers start at a root name like in the projection. */
export class DocRoots {
  constructor(
    readonly doc: Y.Doc,
    readonly schema: DocSchema,
  ) {}

  root(name: string): YContainer {
    return this.schema[name] === 'map' ? this.doc.getMap<unknown>(name) : this.doc.getArray<unknown>(name);
  }
}

/**
 * JSON of a shared value. Our own walk rather than Y.Map#toJSON, which assigns
 * keys with `obj[key] =` and so turns a `__proto__` key into a prototype.
 * Y.Text (and other Yjs types) project to their toJSON (a string for text).
 * Plain values come out as stored (the same object on every call). `child`
 * projects what a map or array holds: this walk itself, or the DocProjector's
 * cache of it.
 */
export function yToJson(value: unknown, child: (value: unknown) => JsonValue = yToJson): JsonValue {
  if (value instanceof Y.Map) {
    const out: JsonObject = {};
    value.forEach((item: unknown, key: string) => setOwn(out, key, child(item)));
    return out;
  }
  if (value instanceof Y.Array) return value.map((item: unknown) => child(item));
  if (value instanceof Y.AbstractType) return value.toJSON() as JsonValue;
  return value as JsonValue;
}

const yAdapter: SourceAdapter = {
  kindOf(raw: unknown): NodeKind {
    if (raw instanceof DocRoots || raw instanceof Y.Map) return 'object';
    if (raw instanceof Y.Array) return 'array';
    if (raw instanceof Y.AbstractType) return 'leaf';
    return plainJsonAdapter.kindOf(raw);
  },
  objectHas(raw, key) {
    if (raw instanceof DocRoots) return Object.hasOwn(raw.schema, key);
    if (raw instanceof Y.Map) return raw.has(key);
    return plainJsonAdapter.objectHas(raw, key);
  },
  objectGet(raw, key) {
    if (raw instanceof DocRoots) return raw.root(key);
    if (raw instanceof Y.Map) return raw.get(key);
    return plainJsonAdapter.objectGet(raw, key);
  },
  objectKeys(raw) {
    if (raw instanceof DocRoots) return Object.keys(raw.schema);
    if (raw instanceof Y.Map) return Array.from(raw.keys());
    return plainJsonAdapter.objectKeys(raw);
  },
  arrayLength: (raw) => (raw instanceof Y.Array ? raw.length : plainJsonAdapter.arrayLength(raw)),
  arrayGet: (raw, index) => (raw instanceof Y.Array ? raw.get(index) : plainJsonAdapter.arrayGet(raw, index)),
  toJson: (raw) => (raw instanceof DocRoots ? projectDoc(raw.doc, raw.schema) : yToJson(raw)),
};

/** The JSON view of a document: one member per schema root ([EM8]). */
export function projectDoc(doc: Y.Doc, schema: DocSchema): JsonObject {
  const roots = new DocRoots(doc, schema);
  const out: JsonObject = {};
  for (const name of Object.keys(schema)) setOwn(out, name, yToJson(roots.root(name)));
  return out;
}

/**
 * A lazy StateReader over a live document ([EM9]): walks Yjs types and plain
 * values by pointer and serialises only the node it lands on, so reading
 * `/tokens/t1/x` costs one token, not the whole map. Returned values may share
 * memory with the document's stored plain values: never mutate them.
 */
export function createDocReader(doc: Y.Doc, schema: DocSchema): StateReader {
  const roots = new DocRoots(doc, schema);
  return {
    get(pointer: string): JsonValue | undefined {
      const tokens = parsePointerOrUndefined(pointer);
      if (tokens === undefined) return undefined;
      const found = lookup(yAdapter, roots, tokens);
      return found === NOT_FOUND ? undefined : yAdapter.toJson(found);
    },
  };
}

/**
 * [EM6] Pointers start at a schema root, and no op may write the document or a
 * root itself: roots are Yjs types every peer creates by name, so they can be
 * edited but never replaced.
 */
function rootRules(schema: DocSchema): OpCheck {
  return ({ op, path, from }) => {
    for (const tokens of from === undefined ? [path] : [path, from]) {
      if (tokens.length > 0 && !Object.hasOwn(schema, tokens[0]!)) {
        throw new JsonPatchError(op, `"${tokens[0]}" is not a root of this document`);
      }
    }
    if (op.op !== 'test' && path.length < 2) throw new JsonPatchError(op, 'the document and its roots cannot be replaced or removed');
    if (op.op === 'move' && from!.length < 2) throw new JsonPatchError(op, 'a root cannot be moved');
  };
}

/**
 * Applies RFC 6902 ops to a Y.Doc ([EM5]–[EM7]); the server calls it inside the
 * transaction that also records the event. All ops are first run against a
 * copy-on-write draft of only the paths they touch, so a patch that fails
 * anywhere throws JsonPatchError before the document is modified at all.
 * Written values become Y.Map / Y.Array recursively (strings stay plain
 * strings), so later patches can address nested paths granularly.
 */
export function applyPatchToDoc(doc: Y.Doc, schema: DocSchema, ops: readonly JsonPatchOp[]): void {
  const roots = new DocRoots(doc, schema);
  const result = runOps(yAdapter, roots, ops, rootRules(schema));
  if (result === roots) return;
  if (!(result instanceof ObjectDraft) || result.base !== roots) throw new Error('patch replaced the document root');
  for (const [name, node] of result.changes()) {
    if (!isDraft(node)) throw new Error(`patch replaced root ${name}`);
    flushInPlace(node, roots.root(name));
  }
}

/**
 * Throws the JsonPatchError `applyPatchToDoc` would throw, without writing
 * anything: the same draft run, not flushed. The server checks one document's
 * patch before writing another's, so an event touching two documents
 * changes both or neither ([EL16]).
 */
export function checkPatchOnDoc(doc: Y.Doc, schema: DocSchema, ops: readonly JsonPatchOp[]): void {
  runOps(yAdapter, new DocRoots(doc, schema), ops, rootRules(schema));
}

function isYContainer(value: unknown): value is YContainer {
  return value instanceof Y.Map || value instanceof Y.Array;
}

function flushInPlace(draft: Draft, target: YContainer): void {
  if (draft instanceof ObjectDraft && target instanceof Y.Map) flushObject(draft, target);
  else if (draft instanceof ArrayDraft && target instanceof Y.Array) flushArray(draft, target);
  else throw new Error('draft does not match its shared type');
}

/** A draft over the live type at the same position is written into it; anything else is written as a new value. */
function canFlushInPlace(node: unknown, current: unknown): node is Draft {
  return isDraft(node) && node.base === current && isYContainer(current);
}

function flushObject(draft: ObjectDraft, target: Y.Map<unknown>): void {
  for (const [key, node] of draft.changes()) {
    if (node === undefined) {
      if (target.has(key)) target.delete(key);
      continue;
    }
    const current = target.get(key);
    if (canFlushInPlace(node, current)) flushInPlace(node, current as YContainer);
    else target.set(key, toShared(materialise(yAdapter, node)));
  }
}

/**
 * Replays a piece table onto the live array. Base elements were never
 * reordered, so one left-to-right pass deletes the dropped ones, inserts the
 * new ones (batched per gap) and recurses into elements edited in place.
 */
function flushArray(draft: ArrayDraft, target: Y.Array<unknown>): void {
  const baseLength = target.length;
  let pos = 0;
  let nextBase = 0;
  let pending: unknown[] = [];
  const skipTo = (baseIndex: number) => {
    if (pending.length > 0) {
      target.insert(pos, pending);
      pos += pending.length;
      pending = [];
    }
    if (baseIndex > nextBase) target.delete(pos, baseIndex - nextBase);
    nextBase = baseIndex;
  };
  for (const s of draft.segments) {
    if (s.kind === 'base') {
      skipTo(s.start);
      pos += s.end - s.start;
      nextBase = s.end;
    } else if (s.origin !== undefined && isDraft(s.node) && isYContainer(s.node.base)) {
      skipTo(s.origin);
      if (target.get(pos) !== s.node.base) throw new Error('array draft lost track of its base element');
      flushInPlace(s.node, s.node.base);
      pos += 1;
      nextBase = s.origin + 1;
    } else {
      pending.push(toShared(materialise(yAdapter, s.node)));
    }
  }
  skipTo(baseLength);
}

/** [EM5] Objects become Y.Map and arrays Y.Array, recursively; primitives (strings included) stay as they are. */
function toShared(value: JsonValue): unknown {
  if (Array.isArray(value)) {
    const array = new Y.Array<unknown>();
    array.insert(0, value.map(toShared));
    return array;
  }
  if (typeof value === 'object' && value !== null) {
    const map = new Y.Map<unknown>();
    for (const key of Object.keys(value)) map.set(key, toShared(value[key]!));
    return map;
  }
  return value;
}
