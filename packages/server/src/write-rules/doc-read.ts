import * as Y from 'yjs';

/** Any shared type, as `doc.share` holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types its roots with YEvent<any>
export type AnyType = Y.AbstractType<Y.YEvent<any>>;

/**
 * Reads one key of a map-like Yjs type without converting it: roots the
 * server only ever received from clients are plain AbstractTypes, and
 * `doc.getMap` on one would create it. A nested type comes back as the type,
 * anything else as its stored value.
 */
export function readKey(type: AnyType, key: string): unknown {
  const item = type._map.get(key);
  if (item === undefined || item.deleted) return undefined;
  if (item.content instanceof Y.ContentType) return item.content.type;
  const values = item.content.getContent();
  return values[values.length - 1];
}

/** A field of an entity stored either as a Y.Map or as one plain object. */
export function readField(entity: unknown, key: string): unknown {
  if (entity instanceof Y.AbstractType) return readKey(entity, key);
  if (isPlainObject(entity)) return Object.hasOwn(entity, key) ? entity[key] : undefined;
  return undefined;
}

/** Elements of a list stored either as a Y.Array or as a plain array. */
export function readList(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (value instanceof Y.AbstractType) {
    const out: unknown[] = [];
    for (let item = value._start; item !== null; item = item.right) {
      if (!item.deleted && item.countable) out.push(...item.content.getContent());
    }
    return out;
  }
  return [];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Y.AbstractType);
}

/** The `userId` an entry (a chat message, a roll) names, if it names one. */
export function authorOf(entry: unknown): string | undefined {
  const userId = readField(entry, 'userId');
  return typeof userId === 'string' ? userId : undefined;
}
