import * as Y from 'yjs';

/**
 * A run of one client's operations a write stored: `[from, end)`, and what
 * those operations need of other clients' to integrate (per client, the
 * clock their origins and parents reach, exclusive).
 */
export interface StoredRange {
  readonly from: number;
  readonly end: number;
  readonly needs: ReadonlyMap<number, number>;
}

/**
 * The runs of operations an update holds, per client, with what they need.
 * An update with gaps — encoded from a doc holding operations it could not
 * integrate, or merged from updates that do not meet — marks each gap with
 * a skip, which holds nothing: `Y.parseUpdateMeta` reads across skips.
 */
export function storedRangesOf(update: Uint8Array): Map<number, StoredRange[]> {
  const runs = new Map<number, Array<{ from: number; end: number; needs: Map<number, number> }>>();
  for (const struct of Y.decodeUpdate(update).structs) {
    if (struct instanceof Y.Skip) continue;
    const { client, clock } = struct.id;
    let list = runs.get(client);
    if (list === undefined) runs.set(client, (list = []));
    let run = list[list.length - 1];
    if (run === undefined || run.end !== clock) list.push((run = { from: clock, end: clock, needs: new Map() }));
    run.end = clock + struct.length;
    if (struct instanceof Y.Item) {
      // What Yjs waits for before it integrates an item: its neighbours at insertion and its parent type's item.
      for (const dep of [struct.origin, struct.rightOrigin, struct.parent instanceof Y.ID ? struct.parent : null]) {
        if (dep !== null && dep.client !== client) run.needs.set(dep.client, Math.max(run.needs.get(dep.client) ?? 0, dep.clock + 1));
      }
    }
  }
  return runs;
}

/**
 * What a document has durably stored, per client, as a prefix a load is
 * sure to integrate ([P6]): every operation below `durable[client]` is
 * stored, and so is everything it needs of other clients. A run stored
 * beyond a client's prefix, or needing another client's operations not yet
 * claimed, waits in `ahead` until the gap fills — by this process's writes,
 * or by a peer's `saved` — so the operations a client sent to a process that
 * died before storing them are not claimed because a later one was, and an
 * edit made right after another client's unstored edit (a token moved where
 * another had just put it, a chat line after another's) is not claimed
 * while a load could not integrate it.
 */
export class StoredPrefix {
  readonly durable = new Map<number, number>();
  private readonly ahead = new Map<number, StoredRange[]>();

  /** Everything below `stateVector` is stored and integrable: a loaded document's, or a peer's claim. */
  constructor(stateVector: ReadonlyMap<number, number> = new Map()) {
    for (const [client, clock] of stateVector) this.durable.set(client, clock);
  }

  /** Adds stored runs, and answers the clients whose prefix grew. */
  add(ranges: Iterable<[number, readonly StoredRange[]]>): Set<number> {
    for (const [client, list] of ranges) {
      const durable = this.durable.get(client) ?? 0;
      const waiting = this.ahead.get(client) ?? [];
      for (const range of list) if (range.end > durable) waiting.push(range);
      if (waiting.length > 0) this.ahead.set(client, waiting);
    }
    return this.settle();
  }

  /**
   * The largest claim that is closed: each client's stored runs joined onto
   * its prefix, then cut back at the first run needing what another
   * client's claim does not reach, until nothing is cut. Cut from the top,
   * so runs that need each other (two clients editing one list, stored in
   * the same write) are claimed together.
   */
  private settle(): Set<number> {
    const reach = new Map<number, { end: number; used: StoredRange[] }>();
    for (const [client, list] of this.ahead) {
      list.sort((a, b) => a.from - b.from);
      let end = this.durable.get(client) ?? 0;
      const used: StoredRange[] = [];
      for (const range of list) {
        if (range.from > end) break;
        used.push(range);
        end = Math.max(end, range.end);
      }
      reach.set(client, { end, used });
    }
    const reachOf = (client: number): number => reach.get(client)?.end ?? this.durable.get(client) ?? 0;
    for (let cut = true; cut; ) {
      cut = false;
      for (const [client, r] of reach) {
        const at = r.used.findIndex((range) => [...range.needs].some(([other, clock]) => reachOf(other) < clock));
        if (at === -1) continue;
        r.used = r.used.slice(0, at);
        r.end = r.used.reduce((end, range) => Math.max(end, range.end), this.durable.get(client) ?? 0);
        cut = true;
      }
    }
    const grown = new Set<number>();
    for (const [client, { end }] of reach) {
      if (end > (this.durable.get(client) ?? 0)) {
        this.durable.set(client, end);
        grown.add(client);
      }
      const waiting = this.ahead.get(client)!.filter((range) => range.end > end);
      if (waiting.length > 0) this.ahead.set(client, waiting);
      else this.ahead.delete(client);
    }
    return grown;
  }
}
