import type { WriteTicket } from './bus/room-bus.ts';

/** A peer's update this room applied, not yet said durable by the peer's writer. */
export interface UnconfirmedWrite {
  readonly update: Uint8Array;
  /** When it arrived here (ms). */
  readonly at: number;
}

interface WriterQueue {
  /** The writer's tickets not yet covered by its `saved`, in ticket order. */
  readonly writes: Array<UnconfirmedWrite & { readonly seq: number }>;
}

/**
 * The updates peer processes published to one room and have not yet said
 * they stored ([OR3]). A peer stores what it publishes, so normally its
 * `saved` follows within a group commit and the entry goes; one that stays
 * past the deadline belongs to a process that died (or lost its store)
 * between publishing and storing, and the room stores it itself — the copy
 * its members have is then the only one.
 */
export class PeerWrites {
  private readonly writers = new Map<string, WriterQueue>();
  private count = 0;

  /** Number of updates waiting for their writer's `saved`. */
  get size(): number {
    return this.count;
  }

  /** A peer update applied here, with the ticket its writer gave it. */
  record(from: string, ticket: WriteTicket, update: Uint8Array, at: number): void {
    const key = writerKey(from, ticket.writer);
    let queue = this.writers.get(key);
    if (queue === undefined) this.writers.set(key, (queue = { writes: [] }));
    // A ticket at or below one already seen is a replay of the bus ([BUS8]): kept once.
    const last = queue.writes[queue.writes.length - 1];
    if (last !== undefined && ticket.seq <= last.seq) return;
    queue.writes.push({ seq: ticket.seq, update, at });
    this.count++;
  }

  /** The peer's writer stored every update up to `through`. */
  confirm(from: string, through: WriteTicket): void {
    const key = writerKey(from, through.writer);
    const queue = this.writers.get(key);
    if (queue === undefined) return;
    let stored = 0;
    while (stored < queue.writes.length && queue.writes[stored]!.seq <= through.seq) stored++;
    queue.writes.splice(0, stored);
    this.count -= stored;
    if (queue.writes.length === 0) this.writers.delete(key);
  }

  /** Removes and answers every update that arrived at or before `cutoff` and is still unconfirmed, oldest first per writer. */
  takeArrivedBy(cutoff: number): UnconfirmedWrite[] {
    const overdue: UnconfirmedWrite[] = [];
    for (const [key, queue] of this.writers) {
      let n = 0;
      while (n < queue.writes.length && queue.writes[n]!.at <= cutoff) n++;
      overdue.push(...queue.writes.splice(0, n));
      this.count -= n;
      if (queue.writes.length === 0) this.writers.delete(key);
    }
    return overdue;
  }

  /** When the oldest unconfirmed update arrived; null when none waits. */
  oldest(): number | null {
    let oldest: number | null = null;
    for (const queue of this.writers.values()) {
      const at = queue.writes[0]?.at;
      if (at !== undefined && (oldest === null || at < oldest)) oldest = at;
    }
    return oldest;
  }
}

function writerKey(from: string, writer: number): string {
  return `${writer}@${from}`;
}
