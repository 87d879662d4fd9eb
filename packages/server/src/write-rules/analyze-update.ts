import * as Y from 'yjs';
import { type DecodedUpdate, decodeCheckedUpdate } from '../update-check.ts';
import { type AnyType, authorOf } from './doc-read.ts';
import type { WriteOp } from './rules-table.ts';
import { APPEND, type ElementSegment, type PathSegment, type WritePath, elementAt } from './write-path.ts';

/** What one written element is, as far as the rules care. */
export type ValueKind =
  | 'number'
  | 'string'
  | 'boolean'
  | 'null'
  | 'object'
  | 'array'
  | 'binary'
  | 'type'
  | 'text'
  | 'format'
  | 'embed'
  | 'doc'
  | 'deleted'
  | 'other';

/** One change an update makes to what the document held before it. */
export interface Write {
  readonly op: WriteOp;
  readonly path: WritePath;
  /** What a `set`, `append` or `insert` stores, one kind per element. */
  readonly values: readonly ValueKind[];
  /** The `userId` of each element appended, inserted or removed (undefined where it names none). */
  readonly authors: readonly (string | undefined)[];
}

export type UpdateAnalysis =
  | { readonly ok: true; readonly writes: readonly Write[] }
  /** The update cannot be judged: it depends on operations the server does not have. */
  | { readonly ok: false; readonly detail: string };

/** A parent that exists before the update: a type of the doc, or a root named by the update that the doc lacks. */
type ExistingParent = AnyType | string;

/** Where Yjs will put an item, decided exactly as `Item.getMissing` does. */
type Resolution =
  /** Integrated as a GC struct: no content, no effect. */
  | { readonly kind: 'gc' }
  | { readonly kind: 'doc'; readonly parent: ExistingParent; readonly key: string | null; readonly parentDeleted: boolean }
  /** Inside a type created by the same update: part of that creation. */
  | { readonly kind: 'new'; readonly owner: Y.Item; readonly key: string | null };

const GC_RESOLUTION: Resolution = { kind: 'gc' };

interface Located {
  readonly inDoc: boolean;
  readonly struct: Y.Item | Y.GC;
}

class Unresolvable extends Error {}

/**
 * Lists what a client update would write or delete in `doc` (the server's
 * document, before the update), as paths from a root: map keys it sets or
 * unsets, list elements it appends, inserts or removes. It mirrors how Yjs
 * integrates: an item's parent comes from its origin (or right origin) item
 * when it has one — in the doc or earlier in the update — else from the root
 * name or parent id it carries; an item inside a type the same update creates
 * is content of that creation, not a write of its own; items Yjs would turn
 * into GC structs, or insert under a deleted parent, have no effect and are
 * not listed. Deletes are resolved against the doc; those inside something
 * the update also deletes, and the old value of a key it sets, are part of
 * that write.
 *
 * An update that refers to operations the server has not integrated — a
 * missing clock range, an unknown origin, parent or deleted id, a forward or
 * circular reference — is not analysable: Yjs would park it and integrate it
 * later, unchecked, when another update fills the gap. Throws only when the
 * update cannot be decoded ([P13]).
 */
export function analyzeUpdate(doc: Y.Doc, update: Uint8Array): UpdateAnalysis {
  const decoded = decodeCheckedUpdate(update);
  try {
    return { ok: true, writes: new Analysis(doc, decoded).run() };
  } catch (err) {
    if (err instanceof Unresolvable) return { ok: false, detail: err.message };
    // A bug here must not let the update through: refuse it instead.
    return { ok: false, detail: `could not be analysed: ${(err as Error).message}` };
  }
}

class Analysis {
  private readonly doc: Y.Doc;
  private readonly store: Y.Doc['store'];
  private readonly decoded: DecodedUpdate;
  /** The update's items and GC structs that Yjs will integrate, per client in clock order. */
  private readonly own = new Map<number, Array<Y.Item | Y.GC>>();
  /** Where each client's operations end once the update is in. */
  private readonly ownEnd = new Map<number, number>();
  private readonly resolutions = new Map<Y.Item, Resolution>();
  /** Ids (`client:clock`) that items of the update which Yjs will integrate name as origin: a key set again later in the update. */
  private readonly origins = new Set<string>();
  private readonly children = new Map<Y.Item, Y.Item[]>();
  /** `parentKey\0key` of every key the update sets: deleting the old value is part of that set. */
  private readonly keysSet = new Set<string>();
  private readonly paths = new Map<AnyType, WritePath>();
  private sortedDeletes: Map<number, Array<{ clock: number; len: number }>> | null = null;
  private readonly writes: Write[] = [];

  constructor(doc: Y.Doc, decoded: DecodedUpdate) {
    this.doc = doc;
    this.store = doc.store;
    this.decoded = decoded;
  }

  run(): Write[] {
    const items = this.index();
    for (const item of items) this.resolve(item);
    for (const item of items) {
      const res = this.resolutions.get(item)!;
      // A successor that ends up a GC struct supersedes nothing: its origin stays the key's value.
      if (res.kind === 'doc' && item.origin !== null) this.origins.add(`${item.origin.client}:${item.origin.clock}`);
      if (res.kind !== 'new') continue;
      const siblings = this.children.get(res.owner);
      if (siblings === undefined) this.children.set(res.owner, [item]);
      else siblings.push(item);
    }
    for (const item of items) this.noteInsert(item);
    this.noteDeletes();
    return this.writes;
  }

  /** Groups the update's structs by client; refuses gaps Yjs would have to wait on. */
  private index(): Y.Item[] {
    const items: Y.Item[] = [];
    let client = -1;
    let known = 0;
    let runEnd = 0;
    let list: Array<Y.Item | Y.GC> = [];
    for (const struct of this.decoded.structs) {
      if (struct.id.client !== client) {
        client = struct.id.client;
        // Yjs keeps only the last run of a client listed twice; what we judged would not be what it applies.
        if (this.own.has(client)) throw new Unresolvable(`client ${client} is listed twice`);
        known = Y.getState(this.store, client);
        runEnd = struct.id.clock;
        list = [];
        this.own.set(client, list);
      }
      // Within one run clocks only grow; a step back is a second run of the same client right after the first.
      if (struct.id.clock < runEnd) throw new Unresolvable(`client ${client} is listed twice`);
      runEnd = struct.id.clock + struct.length;
      if (struct instanceof Y.Skip) continue;
      if (struct.id.clock > known) throw new Unresolvable(`operations of client ${client} from clock ${known} are missing`);
      known = Math.max(known, struct.id.clock + struct.length);
      this.ownEnd.set(client, known);
      // Entirely known already: Yjs skips it.
      if (struct.id.clock + struct.length <= Y.getState(this.store, client)) continue;
      list.push(struct);
      if (struct instanceof Y.Item) items.push(struct);
    }
    return items;
  }

  /** The struct holding `id`: in the doc, or integrated from this update. */
  private locate(id: Y.ID, from: Y.Item | null): Located {
    if (from !== null && id.client === from.id.client && id.clock >= from.id.clock) {
      throw new Unresolvable(`${from.id.client}:${from.id.clock} refers forward to ${id.client}:${id.clock}`);
    }
    if (id.clock < Y.getState(this.store, id.client)) {
      const structs = this.store.clients.get(id.client)!;
      return { inDoc: true, struct: structs[Y.findIndexSS(structs, id.clock)]! };
    }
    const list = this.own.get(id.client);
    if (list !== undefined) {
      let lo = 0;
      let hi = list.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const struct = list[mid]!;
        if (id.clock < struct.id.clock) hi = mid - 1;
        else if (id.clock >= struct.id.clock + struct.length) lo = mid + 1;
        else return { inDoc: false, struct };
      }
    }
    throw new Unresolvable(`refers to ${id.client}:${id.clock}, which the server does not have`);
  }

  /** Resolves `start` and whatever it depends on in the update, without recursion (chains can be long). */
  private resolve(start: Y.Item): Resolution {
    const known = this.resolutions.get(start);
    if (known !== undefined) return known;
    const stack = [start];
    const onStack = new Set<Y.Item>(stack);
    while (stack.length > 0) {
      const item = stack[stack.length - 1]!;
      const step = this.resolveStep(item);
      if (step instanceof Y.Item) {
        if (onStack.has(step)) throw new Unresolvable(`operations around ${item.id.client}:${item.id.clock} depend on each other`);
        stack.push(step);
        onStack.add(step);
        continue;
      }
      this.resolutions.set(item, step);
      stack.pop();
      onStack.delete(item);
    }
    return this.resolutions.get(start)!;
  }

  /** `Item.getMissing`, against doc + update: a resolution, or the update item that must be resolved first. */
  private resolveStep(item: Y.Item): Resolution | Y.Item {
    const left = item.origin === null ? null : this.locate(item.origin, item);
    const right = item.rightOrigin === null ? null : this.locate(item.rightOrigin, item);
    const leftRes = left !== null && !left.inDoc && left.struct instanceof Y.Item ? this.resolutions.get(left.struct) : undefined;
    if (left !== null && !left.inDoc && left.struct instanceof Y.Item && leftRes === undefined) return left.struct;
    const rightRes = right !== null && !right.inDoc && right.struct instanceof Y.Item ? this.resolutions.get(right.struct) : undefined;
    if (right !== null && !right.inDoc && right.struct instanceof Y.Item && rightRes === undefined) return right.struct;
    // An update item that resolves to GC is a GC struct by the time Yjs looks at it.
    if (left?.struct instanceof Y.GC || right?.struct instanceof Y.GC || leftRes?.kind === 'gc' || rightRes?.kind === 'gc') return GC_RESOLUTION;
    if (item.parent === null) {
      const source = left?.struct instanceof Y.Item ? left : right?.struct instanceof Y.Item ? right : null;
      if (source === null) return GC_RESOLUTION;
      if (!source.inDoc) return source === left ? leftRes! : rightRes!;
      const neighbour = source.struct as Y.Item;
      return this.inDoc(neighbour.parent as AnyType, neighbour.parentSub);
    }
    if (typeof item.parent === 'string') return this.inDoc(this.doc.share.get(item.parent) ?? item.parent, item.parentSub);
    const parent = this.locate(item.parent as Y.ID, item);
    // Yjs takes `content.type` of the parent item; anything but a type leaves the item without a parent.
    if (!(parent.struct instanceof Y.Item) || !(parent.struct.content instanceof Y.ContentType)) return GC_RESOLUTION;
    if (parent.inDoc) return { kind: 'doc', parent: parent.struct.content.type, key: item.parentSub, parentDeleted: parent.struct.deleted };
    const parentRes = this.resolutions.get(parent.struct);
    if (parentRes === undefined) return parent.struct;
    if (parentRes.kind === 'gc') return GC_RESOLUTION;
    return { kind: 'new', owner: parent.struct, key: item.parentSub };
  }

  private inDoc(parent: ExistingParent, key: string | null): Resolution {
    const parentDeleted = typeof parent !== 'string' && parent._item !== null && parent._item.deleted;
    return { kind: 'doc', parent, key, parentDeleted };
  }

  private noteInsert(item: Y.Item): void {
    const res = this.resolutions.get(item)!;
    // Under a deleted parent Yjs deletes the item as it integrates it.
    if (res.kind !== 'doc' || res.parentDeleted) return;
    const path = this.pathOf(res.parent);
    const deleted = item.content instanceof Y.ContentDeleted;
    if (res.key !== null) {
      this.keysSet.add(`${this.parentKey(res.parent)}\0${res.key}`);
      // A value the same update sets again is history (an offline client's earlier moves, sent as
      // deleted items): whatever names it as origin inherits its key and is judged instead.
      if (this.origins.has(`${item.id.client}:${item.id.clock + item.length - 1}`)) return;
      const unset = deleted || this.deletedByUpdate(item.id);
      this.writes.push({ op: unset ? 'unset' : 'set', path: [...path, res.key], values: valueKinds(item), authors: [] });
      return;
    }
    // A deleted element in a list takes a position and shows nothing, whoever deleted it.
    if (deleted || this.wholeDeletedByUpdate(item)) return;
    const position = this.positionOf(item);
    this.writes.push({
      op: position.item === null ? 'append' : 'insert',
      path: [...path, position],
      values: valueKinds(item),
      authors: this.newAuthors(item),
    });
  }

  /**
   * An insert is an append when nothing visible follows it: no right origin,
   * or one the doc (or this update) has deleted, or one that is itself new and
   * appended. An offline client that pushed onto a list whose last elements
   * it saw deleted names such a tombstone.
   */
  private positionOf(item: Y.Item): ElementSegment {
    let right = item.rightOrigin;
    for (let hops = 0; right !== null && hops <= this.decoded.structs.length; hops++) {
      const located = this.locate(right, null);
      if (located.struct instanceof Y.GC) return APPEND;
      if (!located.inDoc) {
        right = located.struct.rightOrigin;
        continue;
      }
      const found = located.struct;
      if (found.deleted || this.deletedByUpdate(right)) return APPEND;
      return elementAt(found, right.clock - found.id.clock);
    }
    return APPEND;
  }

  private noteDeletes(): void {
    for (const [client, ranges] of this.decoded.ds.clients) {
      const state = Y.getState(this.store, client);
      const reach = Math.max(state, this.ownEnd.get(client) ?? 0);
      const structs = this.store.clients.get(client);
      for (const { clock, len } of ranges) {
        if (len <= 0) continue;
        const end = clock + len;
        if (end > reach) throw new Unresolvable(`deletes ${client}:${Math.max(clock, reach)}, which the server does not have`);
        // What the update itself adds and deletes never reaches the doc's visible state beyond its insert, judged above.
        if (clock >= state || structs === undefined) continue;
        const stop = Math.min(end, state);
        for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
          const struct = structs[i]!;
          if (struct.id.clock >= stop) break;
          if (struct instanceof Y.GC || struct.deleted) continue;
          this.noteDelete(struct as Y.Item, Math.max(clock, struct.id.clock) - struct.id.clock, Math.min(stop, struct.id.clock + struct.length) - struct.id.clock);
        }
      }
    }
  }

  private noteDelete(item: Y.Item, from: number, to: number): void {
    const parent = item.parent as AnyType;
    if (parent._item !== null && parent._item.deleted) return;
    // Deleting a type deletes what it holds: one write, judged at the outermost deleted type.
    for (let type = parent; type._item !== null; type = type._item.parent as AnyType) {
      if (this.deletedByUpdate(type._item.id)) return;
    }
    const path = this.pathOf(parent);
    if (item.parentSub !== null) {
      if (this.keysSet.has(`${this.parentKey(parent)}\0${item.parentSub}`)) return;
      this.writes.push({ op: 'unset', path: [...path, item.parentSub], values: [], authors: [] });
      return;
    }
    this.writes.push({ op: 'remove', path: [...path, elementAt(item, from)], values: [], authors: existingAuthors(item, from, to) });
  }

  /** For a new map entry of a list (a chat message as a Y.Map), the `userId` its content sets, if all of it agrees. */
  private newAuthors(item: Y.Item): (string | undefined)[] {
    const content = item.content;
    if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) return (content.arr as unknown[]).map(authorOf);
    if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map)) return new Array<undefined>(item.length).fill(undefined);
    let author: string | undefined;
    for (const child of this.children.get(item) ?? []) {
      const res = this.resolutions.get(child)!;
      if (res.kind !== 'new' || res.key !== 'userId') continue;
      if (child.content instanceof Y.ContentDeleted || this.deletedByUpdate(child.id)) continue;
      const values = child.content.getContent();
      const value: unknown = values[values.length - 1];
      if (typeof value !== 'string' || (author !== undefined && author !== value)) return [undefined];
      author = value;
    }
    return [author];
  }

  private deletedByUpdate(id: Y.ID): boolean {
    return this.deleteRangeOf(id) !== null;
  }

  /** Every element of the item is in one deleted range of the update (split ranges count as not: the cautious answer). */
  private wholeDeletedByUpdate(item: Y.Item): boolean {
    const range = this.deleteRangeOf(item.id);
    return range !== null && range.clock + range.len >= item.id.clock + item.length;
  }

  private deleteRangeOf(id: Y.ID): { clock: number; len: number } | null {
    this.sortedDeletes ??= new Map(Array.from(this.decoded.ds.clients, ([client, ranges]) => [client, mergeRanges(ranges)] as const));
    const ranges = this.sortedDeletes.get(id.client);
    if (ranges === undefined) return null;
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const range = ranges[mid]!;
      if (id.clock < range.clock) hi = mid - 1;
      else if (id.clock >= range.clock + range.len) lo = mid + 1;
      else return range;
    }
    return null;
  }

  private parentKey(parent: ExistingParent): string {
    if (typeof parent === 'string') return `root:${parent}`;
    const item = parent._item;
    return item === null ? `root:${this.rootName(parent)}` : `${item.id.client}:${item.id.clock}`;
  }

  private pathOf(parent: ExistingParent): WritePath {
    if (typeof parent === 'string') return [parent];
    const cached = this.paths.get(parent);
    if (cached !== undefined) return cached;
    const segments: PathSegment[] = [];
    let type = parent;
    while (type._item !== null) {
      const item = type._item;
      segments.push(item.parentSub ?? elementAt(item));
      type = item.parent as AnyType;
    }
    segments.push(this.rootName(type));
    segments.reverse();
    this.paths.set(parent, segments);
    return segments;
  }

  private rootName(root: AnyType): string {
    for (const [name, type] of this.doc.share) if (type === root) return name;
    throw new Error('a type of the doc has no root');
  }
}

/** Sorted, overlaps merged: Yjs writes delete sets that way, a hand-made update need not. */
function mergeRanges(ranges: ReadonlyArray<{ clock: number; len: number }>): Array<{ clock: number; len: number }> {
  const sorted = [...ranges].sort((a, b) => a.clock - b.clock);
  const merged: Array<{ clock: number; len: number }> = [];
  for (const { clock, len } of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && clock <= last.clock + last.len) last.len = Math.max(last.len, clock + len - last.clock);
    else merged.push({ clock, len });
  }
  return merged;
}

function existingAuthors(item: Y.Item, from: number, to: number): (string | undefined)[] {
  const content = item.content;
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) return (content.arr as unknown[]).slice(from, to).map(authorOf);
  if (content instanceof Y.ContentType) return [authorOf(content.type)];
  return new Array<undefined>(to - from).fill(undefined);
}

function valueKinds(item: Y.Item): ValueKind[] {
  const content = item.content;
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) return (content.arr as unknown[]).map(kindOf);
  if (content instanceof Y.ContentType) return ['type'];
  if (content instanceof Y.ContentString) return ['text'];
  if (content instanceof Y.ContentDeleted) return ['deleted'];
  if (content instanceof Y.ContentBinary) return ['binary'];
  if (content instanceof Y.ContentEmbed) return ['embed'];
  if (content instanceof Y.ContentFormat) return ['format'];
  if (content instanceof Y.ContentDoc) return ['doc'];
  return ['other'];
}

function kindOf(value: unknown): ValueKind {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? 'number' : 'other';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'array';
      if (value instanceof Uint8Array) return 'binary';
      return 'object';
    default:
      return 'other';
  }
}
