import type { JsonObject, JsonPatchOp, ReducibleEvent } from '@dungeon-lab/events';

/**
 * A rules result as a chat entry: the core chat shape (`id`, `userId`,
 * `text`, `timestamp`, `sequence?`) plus a `card` with the details for a
 * richer UI. While a client predicts without the server's dice, the entry is
 * `pending` — the marker that replaces the result nobody can know yet.
 */
export function chatCardOp(event: ReducibleEvent<unknown>, text: string, card: JsonObject, pending = false): JsonPatchOp {
  const entry: JsonObject = { id: event.id, userId: event.userId, text, timestamp: event.timestamp };
  if (pending) entry.pending = true;
  if (event.sequence !== undefined) entry.sequence = event.sequence;
  entry.card = { system: 'dnd5e', type: event.type, ...card };
  return { op: 'add', path: '/chat/-', value: entry };
}
