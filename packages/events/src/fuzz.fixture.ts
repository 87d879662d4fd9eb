import * as Y from 'yjs';
import type { JsonPatchOp } from './json-patch-types.ts';
import { formatPointer } from './json-pointer.ts';
import type { JsonObject, JsonValue } from './json.ts';

export { seededRandom } from '@dungeon-lab/testing';

export type Rand = () => number;

export const int = (rand: Rand, n: number) => Math.floor(rand() * n);
export const pick = <T>(rand: Rand, items: readonly T[]): T => items[int(rand, items.length)]!;

/** Keys that tend to break naive code: escapes, prototype names, index-like and empty strings. */
export const FUZZ_KEYS = ['a', 'b', 'c', 'x', 'y', '', '~', '/', '~1', 'a/b', '__proto__', 'toString', 'constructor', '0', '1', '-', 'é', '🎲'];

function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

export function randomJson(rand: Rand, depth: number): JsonValue {
  const roll = int(rand, depth > 0 ? 9 : 6);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return int(rand, 5);
    case 3:
      return pick(rand, [1.5, -2, 1e21, 0.1, 10]);
    case 4:
    case 5:
      return pick(rand, ['', 'a', 'x', '~1', 'é🎲', '10']);
    case 6:
    case 7: {
      const out: JsonObject = {};
      const n = int(rand, 4);
      for (let i = 0; i < n; i++) setOwn(out, pick(rand, FUZZ_KEYS), randomJson(rand, depth - 1));
      return out;
    }
    default: {
      const n = int(rand, 4);
      return Array.from({ length: n }, () => randomJson(rand, depth - 1));
    }
  }
}

/** Every pointer to an existing value, root first. */
export function allPointers(value: JsonValue, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((child, i) => allPointers(child, [...prefix, String(i)], out));
  else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) allPointers(value[key]!, [...prefix, key], out);
  }
  return out;
}

/** A pointer that usually exists, or sits one step beyond an existing one, or is plain wrong. */
function randomPath(rand: Rand, existing: string[][], minDepth: number): string {
  const candidates = existing.filter((p) => p.length >= minDepth);
  const base = candidates.length > 0 && rand() < 0.9 ? pick(rand, candidates) : [pick(rand, FUZZ_KEYS)];
  const r = rand();
  if (r < 0.5) return formatPointer(base);
  if (r < 0.9) return formatPointer([...base, pick(rand, [...FUZZ_KEYS, '0', '1', '2', '3', '-', '00', '-1'])]);
  return formatPointer(base.slice(0, -1));
}

export function randomPatch(rand: Rand, doc: JsonValue, opts: { minDepth?: number; maxOps?: number } = {}): JsonPatchOp[] {
  const minDepth = opts.minDepth ?? 0;
  const existing = allPointers(doc);
  const ops: JsonPatchOp[] = [];
  const n = 1 + int(rand, opts.maxOps ?? 4);
  for (let i = 0; i < n; i++) {
    const path = randomPath(rand, existing, minDepth);
    switch (pick(rand, ['add', 'add', 'remove', 'replace', 'replace', 'move', 'copy', 'test'] as const)) {
      case 'add':
        ops.push({ op: 'add', path, value: randomJson(rand, 2) });
        break;
      case 'remove':
        ops.push({ op: 'remove', path });
        break;
      case 'replace':
        ops.push({ op: 'replace', path, value: randomJson(rand, 2) });
        break;
      case 'move':
        ops.push({ op: 'move', from: randomPath(rand, existing, minDepth), path });
        break;
      case 'copy':
        ops.push({ op: 'copy', from: randomPath(rand, existing, minDepth), path });
        break;
      case 'test': {
        // Mostly test against a value that is really there, so later ops still run.
        const target = pick(rand, existing);
        ops.push(rand() < 0.7 ? { op: 'test', path: formatPointer(target), value: valueAt(doc, target) } : { op: 'test', path, value: randomJson(rand, 1) });
        break;
      }
    }
  }
  return ops;
}

function valueAt(doc: JsonValue, tokens: string[]): JsonValue {
  let node = doc;
  for (const t of tokens) node = (node as Record<string, JsonValue>)[t]!;
  return node;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Whether Yjs can store `value` as one plain (ContentAny) value that survives
 * encoding: Yjs picks the content type from `value.constructor`, so a
 * `constructor` member breaks it, and lib0 decodes objects with `obj[key] =`,
 * which drops a `__proto__` member.
 */
export function storableAsPlain(value: JsonValue): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(storableAsPlain);
  return Object.keys(value).every((k) => k !== 'constructor' && k !== '__proto__' && storableAsPlain(value[k]!));
}

/**
 * `value` as a client might write it into a document: objects and arrays as
 * Y.Map / Y.Array, or (where Yjs can) stored whole as plain values, and now
 * and then a string as Y.Text.
 */
export function randomlyShared(rand: Rand, value: JsonValue): unknown {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'string' && rand() < 0.1 ? new Y.Text(value) : value;
  }
  if (rand() < 0.3 && storableAsPlain(value)) return value;
  if (Array.isArray(value)) {
    const array = new Y.Array<unknown>();
    array.push(value.map((item) => randomlyShared(rand, item)));
    return array;
  }
  const map = new Y.Map<unknown>();
  for (const key of Object.keys(value)) map.set(key, randomlyShared(rand, value[key]!));
  return map;
}
