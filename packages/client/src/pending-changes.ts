import type * as Y from 'yjs';
import { clockOf, type StateVector } from './state-vector.ts';

/** A deleted id range: `len` operations of `client` starting at `clock`. */
export type DeletedRange = readonly [client: number, clock: number, len: number];

/**
 * One local transaction the server has not confirmed durable: the client id it
 * was made under and that client's clock right after it (kept as a pair, since
 * a reload gives the doc a new client id while the old edits still wait), plus
 * the ranges it deleted — a deletion adds no operation, so only the delete set
 * in `saved` can confirm it.
 */
export interface PendingEntry {
  readonly client: number;
  readonly clock: number;
  /** The transaction added operations (so `saved`'s state vector must reach `clock`). */
  readonly adds: boolean;
  readonly deletes: readonly DeletedRange[];
}

export type DeleteRangesByClient = ReadonlyMap<number, ReadonlyArray<{ readonly clock: number; readonly len: number }>>;

/**
 * What a transaction means for the unconfirmed list: null unless it was this
 * client's own edit. Remote updates and persistence loads are not local.
 */
export function localChange(transaction: Y.Transaction): Omit<PendingEntry, 'client'> | null {
  if (!transaction.local) return null;
  const client = transaction.doc.clientID;
  const after = transaction.afterState.get(client) ?? 0;
  const adds = after !== (transaction.beforeState.get(client) ?? 0);
  const deletes: DeletedRange[] = [];
  transaction.deleteSet.clients.forEach((items, owner) => {
    for (const { clock, len } of items) deletes.push([owner, clock, len]);
  });
  if (!adds && deletes.length === 0) return null;
  return { clock: after, adds, deletes };
}

/** Sorted, non-overlapping [start, end) intervals per client. */
class IntervalSet {
  readonly #byClient = new Map<number, Array<[number, number]>>();

  add(client: number, start: number, end: number): void {
    const list = this.#byClient.get(client) ?? [];
    list.push([start, end]);
    list.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const [s, e] of list) {
      const last = merged.at(-1);
      if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
      else merged.push([s, e]);
    }
    this.#byClient.set(client, merged);
  }

  covers(client: number, start: number, end: number): boolean {
    return (this.#byClient.get(client) ?? []).some(([s, e]) => s <= start && end <= e);
  }
}

/** The list of local transactions not yet confirmed durable by the server. */
export class PendingChanges {
  #entries: PendingEntry[];
  /**
   * Every deletion the server has confirmed durable. Kept for good, not only
   * while an entry waits: a local change can delete again what another client
   * already deleted durably — made before this client heard of that deletion,
   * e.g. between a join's `saved` and the sync step 2 — and the server, which
   * deleted nothing new, never announces it again.
   */
  readonly #savedDeletes = new IntervalSet();

  constructor(entries: readonly PendingEntry[] = []) {
    this.#entries = [...entries];
  }

  get count(): number {
    return this.#entries.length;
  }

  get entries(): readonly PendingEntry[] {
    return this.#entries;
  }

  record(client: number, change: Omit<PendingEntry, 'client'>): void {
    this.#entries.push({ client, ...change });
  }

  /**
   * Applies one `saved` message: its clocks and its durable deletions. Drops
   * every entry fully covered; returns whether anything was dropped.
   */
  confirm(saved: StateVector, savedDeletes: DeleteRangesByClient = new Map()): boolean {
    savedDeletes.forEach((items, client) => {
      for (const { clock, len } of items) this.#savedDeletes.add(client, clock, clock + len);
    });
    const changed = this.#retain(
      (entry) =>
        (entry.adds && clockOf(saved, entry.client) < entry.clock) ||
        entry.deletes.some(([client, clock, len]) => !this.#savedDeletes.covers(client, clock, clock + len)),
    );
    return changed;
  }

  /**
   * Drops entries whose operations the local doc does not hold: their update
   * was lost before it reached local storage (a crash between writing the
   * list and the update), so no server could ever confirm them.
   */
  pruneUnknown(local: StateVector): boolean {
    return this.#retain((entry) => !entry.adds || clockOf(local, entry.client) >= entry.clock);
  }

  #retain(keep: (entry: PendingEntry) => boolean): boolean {
    const before = this.#entries.length;
    this.#entries = this.#entries.filter(keep);
    return this.#entries.length !== before;
  }
}

const FORMAT_VERSION = 2;

/** Compact text form for persistence metadata. */
export function serializePending(entries: readonly PendingEntry[]): string {
  return JSON.stringify({
    v: FORMAT_VERSION,
    e: entries.map(({ client, clock, adds, deletes }) => [client, clock, adds ? 1 : 0, deletes]),
  });
}

const isInt = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

function readEntry(raw: unknown): PendingEntry | null {
  if (!Array.isArray(raw) || raw.length !== 4) return null;
  const [client, clock, adds, deletes] = raw as unknown[];
  if (!isInt(client) || !isInt(clock) || (adds !== 0 && adds !== 1) || !Array.isArray(deletes)) return null;
  const ranges: DeletedRange[] = [];
  for (const d of deletes as unknown[]) {
    if (!Array.isArray(d) || d.length !== 3) return null;
    const [owner, start, len] = d as unknown[];
    if (!isInt(owner) || !isInt(start) || !isInt(len)) return null;
    ranges.push([owner, start, len]);
  }
  return { client, clock, adds: adds === 1, deletes: ranges };
}

/** Parses `serializePending` output; anything unreadable counts as no entries. */
export function parsePending(text: string | undefined): PendingEntry[] {
  if (text === undefined) return [];
  try {
    const parsed = JSON.parse(text) as { v?: unknown; e?: unknown };
    if (parsed.v !== FORMAT_VERSION || !Array.isArray(parsed.e)) return [];
    return parsed.e.map(readEntry).filter((e): e is PendingEntry => e !== null);
  } catch {
    return [];
  }
}
