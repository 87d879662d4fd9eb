import type { JsonPatchOp } from './json-patch-types.ts';
import type { JsonValue } from './json.ts';
import { type NodeKind, type SourceAdapter, materialise, runOps } from './patch-engine.ts';

function isPlainObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Plain JSON as a patch source: untouched subtrees are handed back as-is, which is the structural sharing. */
export const plainJsonAdapter: SourceAdapter = {
  kindOf(raw: unknown): NodeKind {
    if (Array.isArray(raw)) return 'array';
    return isPlainObject(raw) ? 'object' : 'leaf';
  },
  objectHas: (raw, key) => Object.hasOwn(raw as object, key),
  objectGet: (raw, key) => (raw as Record<string, JsonValue>)[key],
  objectKeys: (raw) => Object.keys(raw as object),
  arrayLength: (raw) => (raw as JsonValue[]).length,
  arrayGet: (raw, index) => (raw as JsonValue[])[index],
  toJson: (raw) => raw as JsonValue,
};

/**
 * RFC 6902 over plain JSON ([EM4]): returns the patched document and never
 * mutates `doc` or `ops`. Containers on a changed path are copied once per
 * patch; everything else is shared with `doc`, so treat both as immutable.
 * Atomic: throws JsonPatchError (and returns nothing) if any op fails.
 */
export function applyPatch(doc: JsonValue, ops: readonly JsonPatchOp[]): JsonValue {
  return materialise(plainJsonAdapter, runOps(plainJsonAdapter, doc, ops));
}
