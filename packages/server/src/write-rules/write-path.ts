import type * as Y from 'yjs';

/**
 * A position in a list: an element the server's doc already has (its item and
 * the offset of the element inside it), or the end of the list (an append).
 * Positions are items, not indexes: an index costs a walk of the list, paid
 * only when a denial is put into words.
 */
export interface ElementSegment {
  readonly kind: 'element';
  /** The item at (or, for an insert, right of) this position; null at the end of the list. */
  readonly item: Y.Item | null;
  readonly offset: number;
}

/** A map key, or a list position. */
export type PathSegment = string | ElementSegment;

/** Where a write lands, root first: `['tokens', 't1', 'x']`, `['chat', APPEND]`. */
export type WritePath = readonly PathSegment[];

/** The end of a list: what `/chat/-` names. */
export const APPEND: ElementSegment = { kind: 'element', item: null, offset: 0 };

export function elementAt(item: Y.Item, offset = 0): ElementSegment {
  return { kind: 'element', item, offset };
}

/** Index of an element among the visible elements of its list (deleted and uncountable items take no room). */
function indexOf(item: Y.Item, offset: number): number {
  let index = item.deleted || !item.countable ? 0 : offset;
  for (let left = item.left; left !== null; left = left.left) {
    if (!left.deleted && left.countable) index += left.length;
  }
  return index;
}

/** RFC 6901-style: `/tokens/t1/x`, list positions as indexes, the end of a list as `-`. */
export function formatPath(path: WritePath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'string') out += '/' + segment.replace(/~/g, '~0').replace(/\//g, '~1');
    else out += segment.item === null ? '/-' : `/${indexOf(segment.item, segment.offset)}`;
  }
  return out;
}
