import { JsonPatchError, type JsonPatchOp } from './json-patch-types.ts';
import { JsonPointerError, isProperPrefix, parseArrayIndex, parsePointer } from './json-pointer.ts';
import type { JsonObject, JsonValue } from './json.ts';

/**
 * The copy-on-write core behind both `applyPatch` (plain JSON) and
 * `applyPatchToDoc` (Yjs). Ops are applied to drafts that record only what
 * changed over a source they never modify, so a failing op leaves nothing to
 * undo, and the cost is proportional to the paths the patch touches rather
 * than to the size of the document. One engine for both keeps the client's
 * prediction and the server's write in agreement by construction.
 */

export type NodeKind = 'object' | 'array' | 'leaf';

/** How the engine reads values it did not create: plain JSON, or live Yjs types. */
export interface SourceAdapter {
  kindOf(raw: unknown): NodeKind;
  objectHas(raw: unknown, key: string): boolean;
  objectGet(raw: unknown, key: string): unknown;
  objectKeys(raw: unknown): Iterable<string>;
  arrayLength(raw: unknown): number;
  arrayGet(raw: unknown, index: number): unknown;
  /** A JSON value that must not be mutated by the caller. */
  toJson(raw: unknown): JsonValue;
}

const REMOVED: unique symbol = Symbol('removed');

/** An object whose changes are recorded as overrides over `base` (which may be empty). */
export class ObjectDraft {
  readonly overrides = new Map<string, unknown>();
  constructor(
    readonly adapter: SourceAdapter,
    readonly base: unknown,
  ) {}

  has(key: string): boolean {
    const own = this.overrides.get(key);
    if (own !== undefined) return own !== REMOVED;
    return this.adapter.objectHas(this.base, key);
  }

  get(key: string): unknown {
    const own = this.overrides.get(key);
    if (own !== undefined) return own === REMOVED ? undefined : own;
    return this.adapter.objectHas(this.base, key) ? this.adapter.objectGet(this.base, key) : undefined;
  }

  set(key: string, node: unknown): void {
    this.overrides.set(key, node);
  }

  delete(key: string): void {
    this.overrides.set(key, REMOVED);
  }

  /** Overrides in insertion order; `undefined` value = removed. */
  *changes(): Iterable<[string, unknown]> {
    for (const [key, node] of this.overrides) yield [key, node === REMOVED ? undefined : node];
  }

  materialise(): JsonObject {
    const out: JsonObject = {};
    // Base keys first, in base order, so a replaced member keeps its position.
    for (const key of this.adapter.objectKeys(this.base)) {
      const own = this.overrides.get(key);
      if (own === undefined) setOwn(out, key, this.adapter.toJson(this.adapter.objectGet(this.base, key)));
      else if (own !== REMOVED) setOwn(out, key, materialise(this.adapter, own));
    }
    for (const [key, own] of this.overrides) {
      if (own !== REMOVED && !this.adapter.objectHas(this.base, key)) setOwn(out, key, materialise(this.adapter, own));
    }
    return out;
  }
}

/**
 * A run of untouched base elements, or one element the patch put there. A
 * node element with an `origin` is a draft over the live base element at that
 * index, to be written back in place rather than deleted and re-inserted.
 */
export type Segment =
  | { readonly kind: 'base'; readonly start: number; readonly end: number }
  | { readonly kind: 'node'; readonly node: unknown; readonly origin?: number };

/** An array as a piece table over `base`: base elements are never reordered, only dropped or interleaved with new ones. */
export class ArrayDraft {
  readonly segments: Segment[];
  length: number;
  constructor(
    readonly adapter: SourceAdapter,
    readonly base: unknown,
  ) {
    this.length = adapter.arrayLength(base);
    this.segments = this.length > 0 ? [{ kind: 'base', start: 0, end: this.length }] : [];
  }

  get(index: number): unknown {
    const [seg, offset] = this.locate(index);
    const s = this.segments[seg]!;
    return s.kind === 'base' ? this.adapter.arrayGet(this.base, s.start + offset) : s.node;
  }

  /** The base index of element `index` if it is still the untouched base element. */
  baseIndexOf(index: number): number | undefined {
    const [seg, offset] = this.locate(index);
    const s = this.segments[seg]!;
    return s.kind === 'base' ? s.start + offset : undefined;
  }

  insert(index: number, node: unknown): void {
    const segment: Segment = { kind: 'node', node };
    if (index === this.length) this.segments.push(segment);
    else this.segments.splice(this.splitBefore(index), 0, segment);
    this.length++;
  }

  removeAt(index: number): void {
    this.segments.splice(this.isolate(index), 1);
    this.length--;
  }

  setAt(index: number, node: unknown, origin?: number): void {
    this.segments[this.isolate(index)] = origin === undefined ? { kind: 'node', node } : { kind: 'node', node, origin };
  }

  materialise(): JsonValue[] {
    const out: JsonValue[] = [];
    for (const s of this.segments) {
      if (s.kind === 'node') out.push(materialise(this.adapter, s.node));
      else for (let i = s.start; i < s.end; i++) out.push(this.adapter.toJson(this.adapter.arrayGet(this.base, i)));
    }
    return out;
  }

  private locate(index: number): [number, number] {
    let at = 0;
    for (let seg = 0; seg < this.segments.length; seg++) {
      const s = this.segments[seg]!;
      const size = s.kind === 'base' ? s.end - s.start : 1;
      if (index < at + size) return [seg, index - at];
      at += size;
    }
    throw new RangeError(`index ${index} beyond length ${this.length}`);
  }

  /** Splits so that element `index` starts a segment; returns that segment's position. */
  private splitBefore(index: number): number {
    const [seg, offset] = this.locate(index);
    const s = this.segments[seg]!;
    if (offset === 0 || s.kind === 'node') return seg;
    this.segments.splice(
      seg,
      1,
      { kind: 'base', start: s.start, end: s.start + offset },
      { kind: 'base', start: s.start + offset, end: s.end },
    );
    return seg + 1;
  }

  /** Splits so that element `index` is a segment of its own; returns its position. */
  private isolate(index: number): number {
    const seg = this.splitBefore(index);
    const s = this.segments[seg]!;
    if (s.kind === 'base' && s.end - s.start > 1) {
      this.segments.splice(seg, 1, { kind: 'base', start: s.start, end: s.start + 1 }, { kind: 'base', start: s.start + 1, end: s.end });
    }
    return seg;
  }
}

export type Draft = ObjectDraft | ArrayDraft;

export function isDraft(node: unknown): node is Draft {
  return node instanceof ObjectDraft || node instanceof ArrayDraft;
}

export function materialise(adapter: SourceAdapter, node: unknown): JsonValue {
  return isDraft(node) ? node.materialise() : adapter.toJson(node);
}

/** Own data property even for `__proto__`, which plain assignment would treat as the prototype. */
export function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** Deepest nesting accepted in an op's value, so recursive consumers (Yjs conversion, equality) cannot overflow the stack. */
export const MAX_VALUE_DEPTH = 256;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `value` is not JSON the document can hold, or undefined. Strings must be
 * well-formed UTF-16: Yjs encodes them as UTF-8 and a lone surrogate would
 * reach other peers as U+FFFD, so the writer's document and theirs would differ.
 */
export function jsonValueProblem(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    switch (typeof v) {
      case 'string':
        if (LONE_SURROGATE.test(v)) return 'string is not well-formed Unicode';
        continue;
      case 'number':
        if (!Number.isFinite(v)) return `not a finite number: ${v}`;
        continue;
      case 'boolean':
        continue;
      case 'object':
        break;
      default:
        return `not a JSON value: ${typeof v}`;
    }
    if (v === null) continue;
    if (depth >= MAX_VALUE_DEPTH) return `nested deeper than ${MAX_VALUE_DEPTH}`;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], depth + 1]);
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return 'not a plain object';
    for (const key of Object.keys(v)) {
      if (LONE_SURROGATE.test(key)) return 'key is not well-formed Unicode';
      stack.push([(v as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return undefined;
}

/** Parsed op; `from` only for move and copy. */
export interface ParsedOp {
  readonly op: JsonPatchOp;
  readonly path: readonly string[];
  readonly from?: readonly string[];
}

/** Extra per-op rule of a target (e.g. the Yjs document's fixed roots); throws JsonPatchError. */
export type OpCheck = (parsed: ParsedOp) => void;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Structural checks of one op, which may come from an untrusted peer. */
export function parseOp(raw: unknown): ParsedOp {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new JsonPatchError({ op: 'test', path: '', value: null }, 'an operation must be an object');
  }
  const op = raw as JsonPatchOp;
  const record = raw as Record<string, unknown>;
  if (!OPS.has(record.op as string)) throw new JsonPatchError(op, `unknown op ${JSON.stringify(record.op) ?? 'undefined'}`);
  try {
    const path = parsePointer(record.path as string);
    if (path.some((token) => LONE_SURROGATE.test(token))) throw new JsonPatchError(op, 'path is not well-formed Unicode');
    if (op.op === 'move' || op.op === 'copy') return { op, path, from: parsePointer(record.from as string) };
    if (op.op !== 'remove') {
      if (!('value' in record)) throw new JsonPatchError(op, 'missing value');
      const problem = jsonValueProblem(record.value);
      if (problem !== undefined) throw new JsonPatchError(op, `value: ${problem}`);
    }
    return { op, path };
  } catch (err) {
    if (err instanceof JsonPointerError) throw new JsonPatchError(op, err.message);
    throw err;
  }
}

/**
 * Applies `ops` in order to a draft of `root` and returns the new root (a
 * draft, or a value when an op replaced the whole document). Throws
 * JsonPatchError on the first op that cannot apply; `root` and everything
 * reachable from it is never modified.
 */
export function runOps(adapter: SourceAdapter, root: unknown, ops: readonly unknown[], check?: OpCheck): unknown {
  if (!Array.isArray(ops)) throw new JsonPatchError({ op: 'test', path: '', value: null }, 'a patch must be an array');
  const state = { root };
  for (const raw of ops) {
    const parsed = parseOp(raw);
    check?.(parsed);
    try {
      applyOne(adapter, state, parsed);
    } catch (err) {
      if (err instanceof JsonPointerError) throw new JsonPatchError(parsed.op, err.message);
      throw err;
    }
  }
  return state.root;
}

function applyOne(adapter: SourceAdapter, state: { root: unknown }, { op, path, from }: ParsedOp): void {
  switch (op.op) {
    case 'add':
      return add(adapter, state, op, path, op.value);
    case 'remove':
      return remove(adapter, state, op, path);
    case 'replace':
      if (path.length === 0) {
        state.root = op.value;
        return;
      }
      return replace(adapter, state, op, path, op.value);
    case 'move': {
      if (isProperPrefix(from!, path)) throw new JsonPatchError(op, 'cannot move a value into one of its own children');
      const value = materialise(adapter, read(adapter, state.root, op, from!));
      if (samePath(from!, path)) return;
      remove(adapter, state, op, from!);
      return add(adapter, state, op, path, value);
    }
    case 'copy':
      return add(adapter, state, op, path, materialise(adapter, read(adapter, state.root, op, from!)));
    case 'test': {
      const actual = materialise(adapter, read(adapter, state.root, op, path));
      if (!deepEqual(actual, op.value)) throw new JsonPatchError(op, 'test failed: value differs');
      return;
    }
  }
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** The node at `tokens` without creating drafts; absent → JsonPatchError. */
function read(adapter: SourceAdapter, root: unknown, op: JsonPatchOp, tokens: readonly string[]): unknown {
  const found = lookup(adapter, root, tokens);
  if (found === NOT_FOUND) throw new JsonPatchError(op, `nothing at ${describe(tokens)}`);
  return found;
}

export const NOT_FOUND: unique symbol = Symbol('not-found');

/** Walks drafts and raw source values alike; NOT_FOUND when any step is missing. */
export function lookup(adapter: SourceAdapter, root: unknown, tokens: readonly string[]): unknown {
  let node = root;
  for (const token of tokens) {
    if (node instanceof ObjectDraft) {
      if (!node.has(token)) return NOT_FOUND;
      node = node.get(token);
    } else if (node instanceof ArrayDraft) {
      const index = arrayIndexOrNull(token, node.length);
      if (index === null) return NOT_FOUND;
      node = node.get(index);
    } else {
      const kind = adapter.kindOf(node);
      if (kind === 'object') {
        if (!adapter.objectHas(node, token)) return NOT_FOUND;
        node = adapter.objectGet(node, token);
      } else if (kind === 'array') {
        const index = arrayIndexOrNull(token, adapter.arrayLength(node));
        if (index === null) return NOT_FOUND;
        node = adapter.arrayGet(node, index);
      } else {
        return NOT_FOUND;
      }
    }
  }
  return node;
}

function arrayIndexOrNull(token: string, length: number): number | null {
  try {
    return parseArrayIndex(token, length, false);
  } catch {
    return null;
  }
}

function describe(tokens: readonly string[]): string {
  return tokens.length === 0 ? 'the document root' : `"${tokens.join('/')}"`;
}

/** The draft for the container at `tokens`, copying-on-write every container on the way. */
function draftAt(adapter: SourceAdapter, state: { root: unknown }, op: JsonPatchOp, tokens: readonly string[]): Draft {
  if (!isDraft(state.root)) state.root = draftOf(adapter, op, state.root, tokens, 0);
  let node = state.root as Draft;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (node instanceof ObjectDraft) {
      if (!node.has(token)) throw new JsonPatchError(op, `nothing at ${describe(tokens.slice(0, i + 1))}`);
      const child = node.get(token);
      if (isDraft(child)) {
        node = child;
      } else {
        const draft = draftOf(adapter, op, child, tokens, i + 1);
        node.set(token, draft);
        node = draft;
      }
    } else {
      const index = parseArrayIndex(token, node.length, false);
      const child = node.get(index);
      if (isDraft(child)) {
        node = child;
      } else {
        const draft = draftOf(adapter, op, child, tokens, i + 1);
        node.setAt(index, draft, node.baseIndexOf(index));
        node = draft;
      }
    }
  }
  return node;
}

function draftOf(adapter: SourceAdapter, op: JsonPatchOp, raw: unknown, tokens: readonly string[], depth: number): Draft {
  const kind = adapter.kindOf(raw);
  if (kind === 'object') return new ObjectDraft(adapter, raw);
  if (kind === 'array') return new ArrayDraft(adapter, raw);
  throw new JsonPatchError(op, `${describe(tokens.slice(0, depth))} is not an object or array`);
}

function add(adapter: SourceAdapter, state: { root: unknown }, op: JsonPatchOp, path: readonly string[], value: unknown): void {
  if (path.length === 0) {
    state.root = value;
    return;
  }
  const parent = draftAt(adapter, state, op, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (parent instanceof ObjectDraft) parent.set(last, value);
  else parent.insert(parseArrayIndex(last, parent.length, true), value);
}

function remove(adapter: SourceAdapter, state: { root: unknown }, op: JsonPatchOp, path: readonly string[]): void {
  if (path.length === 0) throw new JsonPatchError(op, 'cannot remove the document root');
  const parent = draftAt(adapter, state, op, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (parent instanceof ObjectDraft) {
    if (!parent.has(last)) throw new JsonPatchError(op, `nothing at ${describe(path)}`);
    parent.delete(last);
  } else {
    parent.removeAt(parseArrayIndex(last, parent.length, false));
  }
}

function replace(adapter: SourceAdapter, state: { root: unknown }, op: JsonPatchOp, path: readonly string[], value: unknown): void {
  const parent = draftAt(adapter, state, op, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (parent instanceof ObjectDraft) {
    if (!parent.has(last)) throw new JsonPatchError(op, `nothing at ${describe(path)}`);
    parent.set(last, value);
  } else {
    parent.setAt(parseArrayIndex(last, parent.length, false), value);
  }
}

/** JSON equality: same type, arrays element-wise, objects by key set regardless of order, numbers by value. */
export function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !deepEqual(a[key]!, b[key]!)) return false;
  }
  return true;
}
