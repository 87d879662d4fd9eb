/**
 * A canonical description of everything a Y.Doc holds, for comparing docs that
 * received the same operations in different groupings. Fuzzing can create
 * root types and content of any kind under any client id, so comparing a few
 * known types' toJSON() would miss most of it. Items are expanded element by
 * element (splitting differs between docs) and deleted elements carry no
 * value (garbage collection drops it at different times) and are kept as runs.
 */
import * as Y from 'yjs';

/** A live element, or a run of deleted ones (fuzzed deletes can span billions of clocks). */
type Element = [client: number, clock: number, value: unknown] | { client: number; clock: number; deleted: number };

function valueOf(item: Y.Item, offset: number): unknown {
  if (item.deleted) return null;
  const content = item.content;
  if (content instanceof Y.ContentType) return describeType(content.type);
  if (content instanceof Y.ContentFormat) return { format: content.key, value: content.value };
  if (content instanceof Y.ContentDoc) return { subdoc: content.doc?.guid ?? null };
  const value: unknown = content.getContent()[offset];
  return value instanceof Uint8Array ? Array.from(value) : value;
}

function pushElements(out: Element[], item: Y.Item): void {
  const { client, clock } = item.id;
  if (item.deleted) {
    const last = out[out.length - 1];
    // Deleted neighbours merge into one run, however the docs happened to split them.
    if (last !== undefined && !Array.isArray(last) && last.client === client && last.clock + last.deleted === clock) {
      last.deleted += item.length;
    } else {
      out.push({ client, clock, deleted: item.length });
    }
    return;
  }
  for (let i = 0; i < item.length; i++) out.push([client, clock + i, valueOf(item, i)]);
}

/** The parts of a Y.AbstractType this reads; structural, so every kind of type fits. */
interface TypeInternals {
  readonly _start: Y.Item | null;
  readonly _map: Map<string, Y.Item>;
}

function describeType(type: TypeInternals): unknown {
  const seq: Element[] = [];
  for (let item = type._start; item !== null; item = item.right) pushElements(seq, item);
  const map = Array.from(type._map.entries())
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, item]) => [key, item.id.client, item.id.clock, valueOf(item, item.length - 1)]);
  return { seq, map };
}

export function docContent(doc: Y.Doc): unknown {
  const roots = Array.from(doc.share.entries())
    .filter(([, type]) => type._start !== null || type._map.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, type]) => [name, describeType(type)]);
  return { stateVector: Array.from(Y.decodeStateVector(Y.encodeStateVector(doc))).sort(([a], [b]) => a - b), roots };
}
