import type * as Y from 'yjs';
import { clockOf, type StateVector } from './state-vector.ts';

/**
 * One local transaction the server has not confirmed durable: the client id it
 * was made under and that client's clock right after it. Kept as a pair, not
 * a bare clock, because a reload gives the doc a new client id while the old
 * edits still wait for confirmation.
 */
export interface PendingEntry {
  readonly client: number;
  readonly clock: number;
  /**
   * The transaction only deleted. Deletes add no operation, so no state vector
   * (and thus no `saved`) can ever cover them; see `confirmDeletes`.
   */
  readonly deleteOnly?: boolean;
}

/**
 * What a transaction means for the unconfirmed list: null unless it was this
 * client's own edit. Remote updates and persistence loads are not local.
 */
export function localChange(transaction: Y.Transaction): { clock: number; deleteOnly: boolean } | null {
  if (!transaction.local) return null;
  const client = transaction.doc.clientID;
  const after = transaction.afterState.get(client) ?? 0;
  const before = transaction.beforeState.get(client) ?? 0;
  if (after !== before) return { clock: after, deleteOnly: false };
  if (transaction.deleteSet.clients.size > 0) return { clock: after, deleteOnly: true };
  return null;
}

/** The list of local transactions not yet confirmed durable by the server. */
export class PendingChanges {
  #entries: PendingEntry[];

  constructor(entries: readonly PendingEntry[] = []) {
    this.#entries = [...entries];
  }

  get count(): number {
    return this.#entries.length;
  }

  get entries(): readonly PendingEntry[] {
    return this.#entries;
  }

  get hasDeletes(): boolean {
    return this.#entries.some((e) => e.deleteOnly);
  }

  record(client: number, clock: number, deleteOnly = false): void {
    this.#entries.push(deleteOnly ? { client, clock, deleteOnly } : { client, clock });
  }

  /** Drops every operation-adding entry `saved` covers; returns whether anything was dropped. */
  confirm(saved: StateVector): boolean {
    return this.#retain((entry) => entry.deleteOnly === true || clockOf(saved, entry.client) < entry.clock);
  }

  /**
   * Drops the delete-only entries. Call when the server demonstrably holds
   * every local delete (its checksum equals the local doc's): the closest the
   * protocol gets, as `saved` carries no delete set.
   */
  confirmDeletes(): boolean {
    return this.#retain((entry) => entry.deleteOnly !== true);
  }

  /**
   * Drops entries whose operations the local doc does not hold: their update
   * was lost before it reached local storage (a crash between writing the
   * list and the update), so no server could ever confirm them.
   */
  pruneUnknown(local: StateVector): boolean {
    return this.#retain((entry) => clockOf(local, entry.client) >= entry.clock);
  }

  #retain(keep: (entry: PendingEntry) => boolean): boolean {
    const before = this.#entries.length;
    this.#entries = this.#entries.filter(keep);
    return this.#entries.length !== before;
  }
}

const FORMAT_VERSION = 1;

type ClocksByClient = Record<string, number[]>;

/** Compact text form for persistence metadata: clocks grouped by client. */
export function serializePending(entries: readonly PendingEntry[]): string {
  const adds: ClocksByClient = {};
  const deletes: ClocksByClient = {};
  for (const { client, clock, deleteOnly } of entries) ((deleteOnly ? deletes : adds)[client] ??= []).push(clock);
  return JSON.stringify({ v: FORMAT_VERSION, c: adds, d: deletes });
}

function readClocks(value: unknown, deleteOnly: boolean, into: PendingEntry[]): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [client, clocks] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(clocks) || !Number.isSafeInteger(Number(client))) continue;
    for (const clock of clocks) {
      if (!Number.isSafeInteger(clock)) continue;
      into.push(deleteOnly ? { client: Number(client), clock, deleteOnly } : { client: Number(client), clock });
    }
  }
}

/** Parses `serializePending` output; anything unreadable counts as no entries. */
export function parsePending(text: string | undefined): PendingEntry[] {
  if (text === undefined) return [];
  try {
    const parsed = JSON.parse(text) as { v?: unknown; c?: unknown; d?: unknown };
    if (parsed.v !== FORMAT_VERSION) return [];
    const entries: PendingEntry[] = [];
    readClocks(parsed.c, false, entries);
    readClocks(parsed.d, true, entries);
    return entries;
  } catch {
    return [];
  }
}
