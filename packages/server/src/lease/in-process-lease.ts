import { randomUUID } from 'node:crypto';
import type { LeaseGrant, SessionLease } from './session-lease.ts';

interface Holding {
  readonly holder: InProcessLease;
  readonly epoch: number;
  expiresAt: number;
}

/**
 * The leases of every session, shared by the in-process leases of one
 * process (or of a test's several pretend processes). Epochs are kept after
 * their lease ends, so they only grow for as long as the table lives.
 */
export class LeaseTable {
  readonly #epochs = new Map<string, number>();
  readonly #holdings = new Map<string, Holding>();

  /** The holding of `sessionId` that has not expired by `now`, if any. */
  current(sessionId: string, now: number): Holding | undefined {
    const holding = this.#holdings.get(sessionId);
    return holding !== undefined && holding.expiresAt > now ? holding : undefined;
  }

  grant(sessionId: string, holder: InProcessLease, expiresAt: number): Holding {
    const previous = this.#holdings.get(sessionId);
    const epoch = (this.#epochs.get(sessionId) ?? 0) + 1;
    this.#epochs.set(sessionId, epoch);
    const holding = { holder, epoch, expiresAt };
    this.#holdings.set(sessionId, holding);
    // An expired holder learns at once that its lease went to someone else.
    previous?.holder.lose({ sessionId, epoch: previous.epoch });
    return holding;
  }

  end(sessionId: string, holding: Holding): void {
    if (this.#holdings.get(sessionId) === holding) this.#holdings.delete(sessionId);
  }

  holding(sessionId: string): Holding | undefined {
    return this.#holdings.get(sessionId);
  }
}

export interface InProcessLeaseOptions {
  /** Shared with the leases of a test's other pretend processes; a fresh one by default. */
  readonly table?: LeaseTable;
  /** Unrenewed grants expire after this long; by default never (one process is the only holder there is). */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/** The default lease: a table in memory, so on one process every acquire of a free session succeeds. */
export class InProcessLease implements SessionLease {
  readonly ttlMs: number;
  /** Distinguishes this holder in logs and tests. */
  readonly holder = randomUUID();
  readonly #table: LeaseTable;
  readonly #now: () => number;
  /** The epoch this process believes it holds, per session: a loss is reported once. */
  readonly #held = new Map<string, number>();
  readonly #listeners = new Set<(grant: LeaseGrant) => void>();

  constructor(options: InProcessLeaseOptions = {}) {
    this.#table = options.table ?? new LeaseTable();
    this.ttlMs = options.ttlMs ?? Infinity;
    this.#now = options.now ?? Date.now;
  }

  async acquire(sessionId: string): Promise<LeaseGrant | null> {
    const now = this.#now();
    const current = this.#table.current(sessionId, now);
    if (current !== undefined) return current.holder === this ? { sessionId, epoch: current.epoch } : null;
    const { epoch } = this.#table.grant(sessionId, this, now + this.ttlMs);
    this.#held.set(sessionId, epoch);
    return { sessionId, epoch };
  }

  async renew(grant: LeaseGrant): Promise<boolean> {
    const now = this.#now();
    const holding = this.#table.holding(grant.sessionId);
    if (holding?.holder === this && holding.epoch === grant.epoch) {
      if (holding.expiresAt > now) {
        holding.expiresAt = now + this.ttlMs;
        return true;
      }
      this.#table.end(grant.sessionId, holding);
    }
    this.lose(grant);
    return false;
  }

  async release(grant: LeaseGrant): Promise<void> {
    const holding = this.#table.holding(grant.sessionId);
    if (holding?.holder !== this || holding.epoch !== grant.epoch) return;
    this.#table.end(grant.sessionId, holding);
    if (this.#held.get(grant.sessionId) === grant.epoch) this.#held.delete(grant.sessionId);
  }

  onLost(listener: (grant: LeaseGrant) => void): () => void {
    // Wrapped: the same listener registered twice is called twice, and each registration ends on its own.
    const registration = (grant: LeaseGrant) => listener(grant);
    this.#listeners.add(registration);
    return () => {
      this.#listeners.delete(registration);
    };
  }

  /** Called by the table when another holder took an expired grant of ours, and by a failed renew. */
  lose(grant: LeaseGrant): void {
    if (this.#held.get(grant.sessionId) !== grant.epoch) return;
    this.#held.delete(grant.sessionId);
    for (const listener of this.#listeners) listener(grant);
  }

  async close(): Promise<void> {
    for (const [sessionId, epoch] of this.#held) await this.release({ sessionId, epoch });
    this.#listeners.clear();
  }
}
