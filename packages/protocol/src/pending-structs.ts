/**
 * Yjs (13.6.33, the latest 13.x) can leave operations pending that it could
 * integrate. An update's operation that waits on another client's missing
 * operation makes the update read on into that client's operations; when
 * the next one there follows a gap, the update is set aside as waiting for
 * the gap's clock, not for the clock the first operation needed. Once that
 * operation arrives, nothing retries: the first one stays out of the doc
 * until the gap is filled, and the gap may itself wait on it. The fault
 * test found it ([P17]): a load of a room's rows, every one of them there,
 * left 89 moves out that clients had been told were saved, and the room
 * would have served and compacted without them.
 *
 * `settlePendingStructs` makes a doc retry its pending operations after any
 * transaction that integrated something, once the first pending operation
 * of some client has everything it needs — what Yjs would do with a right
 * record of what it waits for. Installed on every doc the server and the
 * client keep, before anything is applied to it.
 */
import * as Y from 'yjs';

/** A client's first pending operation, and the ids it needs integrated (state above their clock) to integrate. */
interface First {
  readonly client: number;
  readonly clock: number;
  readonly origin: Y.ID | null;
  readonly others: readonly Y.ID[];
}

/** The first operation of each client in a pending update: one of them must be ready for any of it to integrate. */
function firstsOf(update: Uint8Array): First[] {
  const firsts = new Map<number, First>();
  for (const struct of Y.decodeUpdateV2(update).structs) {
    if (struct instanceof Y.Skip || firsts.has(struct.id.client)) continue;
    const item = struct instanceof Y.Item ? struct : null;
    const others = [item?.rightOrigin, item?.parent instanceof Y.ID ? item.parent : null].filter((id): id is Y.ID => id instanceof Y.ID);
    firsts.set(struct.id.client, { client: struct.id.client, clock: struct.id.clock, origin: item?.origin ?? null, others });
  }
  return [...firsts.values()];
}

function ready(doc: Y.Doc, { client, clock, origin, others }: First): boolean {
  const has = (id: Y.ID) => Y.getState(doc.store, id.client) > id.clock;
  const state = Y.getState(doc.store, client);
  if (state < clock) return false;
  // Partly integrated already, it goes on from its own left: its origin no longer counts.
  if (origin !== null && state === clock && !has(origin)) return false;
  return others.every(has);
}

function integratedAny(tr: Y.Transaction): boolean {
  for (const [client, clock] of tr.afterState) if ((tr.beforeState.get(client) ?? 0) !== clock) return true;
  return false;
}

export function settlePendingStructs(doc: Y.Doc): void {
  /** The pending update's first operations, read once per pending update. */
  let cached: { update: Uint8Array; firsts: First[] } | null = null;
  doc.on('afterTransaction', (tr: Y.Transaction) => {
    const pending = doc.store.pendingStructs;
    if (pending === null || !integratedAny(tr)) return;
    if (cached?.update !== pending.update) cached = { update: pending.update, firsts: firstsOf(pending.update) };
    if (!cached.firsts.some((first) => ready(doc, first))) return;
    // As Yjs retries: the pending operations applied again, under the origin of what made them ready.
    doc.store.pendingStructs = null;
    Y.applyUpdateV2(doc, pending.update, tr.origin);
  });
}
