import type { EventStatus, JsonValue, LogEntry } from '@dungeon-lab/events';
import { createValue, type ReadableValue } from './readable-value.ts';
import type { LoggedEvent } from './session-api.ts';

/** How this client learned of an entry. */
export type AuditSource = 'ack' | 'live' | 'catch-up' | 'rest';

/** One sequenced event as the audit log shows it. */
export interface AuditEntry {
  readonly sequence: number;
  readonly id: string;
  readonly type: string;
  readonly userId: string;
  /**
   * The logged payload; for an own intent known only from its ack, the
   * payload as submitted (without what the server's `prepare` added, e.g.
   * dice).
   */
  readonly payload: JsonValue;
  /** Server time; absent for an own intent known only from its ack. */
  readonly timestamp?: number;
  readonly status: EventStatus;
  readonly reason?: string;
  readonly resolvedBy?: string;
  readonly resolvedAt?: number;
  readonly source: AuditSource;
}

export const DEFAULT_LOG_LIMIT = 500;

export function auditEntryFromLog(entry: LogEntry, source: AuditSource): AuditEntry {
  return auditEntry({ ...entry.event, status: entry.status, reason: entry.reason, resolvedBy: entry.resolvedBy, resolvedAt: entry.resolvedAt }, source);
}

export function auditEntryFromRest(event: LoggedEvent): AuditEntry {
  return auditEntry(event, 'rest');
}

/** One shape for entries from sockets and from the REST API; absent optional fields stay absent. */
function auditEntry(
  event: Pick<LoggedEvent, 'sequence' | 'id' | 'type' | 'userId' | 'payload' | 'timestamp' | 'status'> & {
    readonly reason?: string | undefined;
    readonly resolvedBy?: string | undefined;
    readonly resolvedAt?: number | undefined;
  },
  source: AuditSource,
): AuditEntry {
  return {
    sequence: event.sequence,
    id: event.id,
    type: event.type,
    userId: event.userId,
    payload: event.payload,
    timestamp: event.timestamp,
    status: event.status,
    ...(event.reason === undefined ? {} : { reason: event.reason }),
    ...(event.resolvedBy === undefined ? {} : { resolvedBy: event.resolvedBy }),
    ...(event.resolvedAt === undefined ? {} : { resolvedAt: event.resolvedAt }),
    source,
  };
}

/**
 * The last `limit` entries of the session's log that this client has seen,
 * in sequence order, whatever order they arrived in. An entry known only
 * from an ack is replaced when the full entry arrives; a GM's decision
 * updates the decided entry's status. Changes are published once per
 * `publish()` (once per socket frame), not once per entry.
 */
export class AuditLog {
  readonly #value = createValue<readonly AuditEntry[]>([]);
  readonly #limit: number;
  #entries: AuditEntry[] = [];
  #dirty = false;

  constructor(limit = DEFAULT_LOG_LIMIT) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError('the log limit must be a positive integer');
    this.#limit = limit;
  }

  get value(): ReadableValue<readonly AuditEntry[]> {
    return this.#value;
  }

  record(entry: AuditEntry): void {
    const index = this.#search(entry.sequence);
    const existing = this.#entries[index];
    if (existing?.sequence === entry.sequence) {
      // An ack tells less than the entry itself; and a decision already seen must not be undone by an older copy.
      if (entry.source === 'ack' && existing.source !== 'ack') return;
      if (isDecided(existing.status) && !isDecided(entry.status)) {
        entry = { ...entry, status: existing.status, ...pickResolution(existing) };
      }
      this.#entries[index] = entry;
    } else {
      if (this.#entries.length >= this.#limit && index === 0) return;
      this.#entries.splice(index, 0, entry);
      if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
    }
    this.#dirty = true;
  }

  /** A GM decided the entry at `sequence`. */
  resolve(sequence: number, status: 'approved' | 'denied', resolution: { reason?: string; resolvedBy?: string; resolvedAt?: number }): void {
    const index = this.#search(sequence);
    const existing = this.#entries[index];
    if (existing?.sequence !== sequence) return;
    this.#entries[index] = { ...existing, status, ...resolution };
    this.#dirty = true;
  }

  /** The server's log starts over below what we hold (its data was reset): forget what no longer exists. */
  dropAbove(sequence: number): void {
    const index = this.#search(sequence + 1);
    if (index === this.#entries.length) return;
    this.#entries.splice(index);
    this.#dirty = true;
  }

  publish(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#value.set(this.#entries.slice());
  }

  /** Index of the first entry with a sequence ≥ `sequence`. */
  #search(sequence: number): number {
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#entries[mid]!.sequence < sequence) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function isDecided(status: EventStatus): boolean {
  return status === 'approved' || status === 'denied';
}

function pickResolution(e: AuditEntry): Pick<AuditEntry, 'reason' | 'resolvedBy' | 'resolvedAt'> {
  return {
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    ...(e.resolvedBy === undefined ? {} : { resolvedBy: e.resolvedBy }),
    ...(e.resolvedAt === undefined ? {} : { resolvedAt: e.resolvedAt }),
  };
}
