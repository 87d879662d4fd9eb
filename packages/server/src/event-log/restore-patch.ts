import {
  type DocSchema,
  ENTITY_VERSION_KEY,
  type JsonObject,
  type JsonPatchOp,
  type JsonValue,
  META_ROOT,
} from '@dungeon-lab/events';
import { isDeepStrictEqual } from 'node:util';

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Entity versions only ever grow: a restore must not hand out a version number twice. */
function withoutVersions(v: JsonValue): JsonValue {
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, child] of Object.entries(v)) if (k !== ENTITY_VERSION_KEY) out[k] = child;
  return out;
}

function diffValue(path: string, from: JsonValue, to: JsonValue, ops: JsonPatchOp[]): void {
  if (isDeepStrictEqual(from, to)) return;
  if (isObject(from) && isObject(to)) {
    for (const key of Object.keys(from)) {
      if (key === ENTITY_VERSION_KEY) continue;
      if (!(key in to)) ops.push({ op: 'remove', path: `${path}/${escape(key)}` });
    }
    for (const [key, value] of Object.entries(to)) {
      if (key === ENTITY_VERSION_KEY) continue;
      const child = `${path}/${escape(key)}`;
      if (!(key in from)) ops.push({ op: 'add', path: child, value: withoutVersions(value) });
      else diffValue(child, from[key]!, value, ops);
    }
    return;
  }
  ops.push({ op: 'replace', path, value: withoutVersions(to) });
}

/**
 * The JSON Patch that turns the `current` projection into the `target` one —
 * how a checkpoint is restored as a NEW version of the document rather than by
 * rewinding it. Roots are never replaced (they are fixed Yjs types), so root
 * arrays are rewritten element by element; `/meta` and entity versions are
 * the server's bookkeeping and are left alone.
 */
export function restorePatch(current: JsonObject, target: JsonObject, schema: DocSchema): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const [root, kind] of Object.entries(schema)) {
    if (root === META_ROOT) continue;
    const from = current[root] ?? (kind === 'map' ? {} : []);
    const to = target[root] ?? (kind === 'map' ? {} : []);
    if (isDeepStrictEqual(from, to)) continue;
    if (kind === 'array') {
      const fromList = Array.isArray(from) ? from : [];
      const toList = Array.isArray(to) ? to : [];
      for (let i = fromList.length - 1; i >= 0; i--) ops.push({ op: 'remove', path: `/${escape(root)}/${i}` });
      for (const value of toList) ops.push({ op: 'add', path: `/${escape(root)}/-`, value });
    } else {
      diffValue(`/${escape(root)}`, isObject(from) ? from : {}, isObject(to) ? to : {}, ops);
    }
  }
  return ops;
}
