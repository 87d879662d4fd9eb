import type { AuditStore } from '@dungeon-lab/store';
import { detach, guarded } from '../boundary.ts';
import { KeyedBuckets, type RateLimit } from '../limits/token-bucket.ts';
import type { Logger } from '../logger.ts';
import {
  type Audit,
  AuditAction,
  type AuditEntry,
  type AuditInput,
  decodeAuditEntry,
  encodeAuditEntry,
} from './audit-entry.ts';

export interface AuditLogDeps {
  readonly store: AuditStore;
  readonly logger: Logger;
  /** Entries for sessions that do not exist are not stored: anyone could otherwise fill logs under made-up ids ([AL6]). */
  readonly sessionExists: (sessionId: string) => Promise<boolean>;
  /** Stored denials per session and user ([AL4]). */
  readonly denials: RateLimit;
  /** How long entries wait to be written together. */
  readonly batchDelayMs?: number;
  /** Entries held in memory at most (waiting, or kept while the store fails); beyond it new ones are counted as lost. */
  readonly maxBuffered?: number;
  readonly retryMs?: number;
  readonly now?: () => number;
}

export interface AuditPage {
  readonly entries: Array<AuditEntry & { readonly id: string }>;
  /** Pass as `before` for the next page; null when this page reached the start of the log. */
  readonly next: string | null;
}

const DEFAULT_BATCH_DELAY_MS = 50;
const DEFAULT_MAX_BUFFERED = 10_000;
const DEFAULT_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
const SWEEP_INTERVAL_MS = 60_000;
const MAX_KNOWN_SESSIONS = 10_000;

interface Suppressed {
  readonly sessionId: string;
  readonly actor: string | null;
  count: number;
}

/**
 * The audit log of every session ([AL1]..[AL6]). `record` only puts the
 * entry in a buffer: a write happens in batches, per session, off the path
 * of the operation recorded, and a failed write is logged and retried with
 * backoff while the buffer holds — so auditing never blocks, slows or fails
 * what it records. Denials are budgeted per session and user: a client
 * hammering a closed door is counted, not stored thousands of times.
 */
export class AuditLog implements Audit {
  readonly #deps: AuditLogDeps;
  readonly #now: () => number;
  readonly #maxBuffered: number;
  readonly #batchDelayMs: number;
  readonly #retryMs: number;
  #pending = new Map<string, AuditEntry[]>();
  #buffered = 0;
  readonly #lost = new Map<string, number>();
  readonly #budget: KeyedBuckets;
  readonly #suppressed = new Map<string, Suppressed>();
  /** Sessions seen to exist; sessions are never deleted, so a yes stays true. */
  readonly #known = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writing: Promise<void> = Promise.resolve();
  #failures = 0;
  readonly #sweep: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(deps: AuditLogDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#maxBuffered = deps.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    this.#batchDelayMs = deps.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS;
    this.#retryMs = deps.retryMs ?? DEFAULT_RETRY_MS;
    this.#budget = new KeyedBuckets(deps.denials, this.#now);
    this.#sweep = setInterval(guarded(deps.logger, 'audit summary failed', () => this.#summarize()), SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  record(sessionId: string, input: AuditInput): void {
    try {
      if (this.#closed) return;
      let suppressed: number | undefined;
      if (input.outcome === 'denied') {
        const key = `${sessionId}\u0000${input.actor ?? ''}`;
        if (this.#budget.take(key) > 0) {
          const s = this.#suppressed.get(key);
          if (s === undefined) this.#suppressed.set(key, { sessionId, actor: input.actor, count: 1 });
          else s.count++;
          return;
        }
        suppressed = this.#suppressed.get(key)?.count;
        this.#suppressed.delete(key);
      }
      this.#enqueue(sessionId, { at: this.#now(), ...input, ...(suppressed === undefined ? {} : { suppressed }) });
    } catch (err) {
      // Recording is best effort by contract; the operation being recorded goes on.
      this.#deps.logger.error({ sessionId, err: String(err) }, 'audit record failed');
    }
  }

  /** Resolves once everything recorded before the call was written, or the attempt failed (it is then retried later). */
  flush(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#writing = this.#writing.then(() => this.#writeBatch());
    return this.#writing;
  }

  /** One page of a session's log, newest first ([AL5]); what was recorded before the call is in it. */
  async read(sessionId: string, query: { before?: string | number; limit: number }): Promise<AuditPage> {
    await this.flush();
    const records = await this.#deps.store.readAudit(sessionId, query);
    const entries = records.map((r) => ({ id: r.id, ...decodeAuditEntry(r.data) }));
    return { entries, next: records.length === query.limit && records.length > 0 ? records.at(-1)!.id : null };
  }

  /** Writes what is buffered (counted denials included) and stops. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#summarize();
    this.#closed = true;
    clearInterval(this.#sweep);
    await this.flush();
    if (this.#buffered > 0) this.#deps.logger.error({ entries: this.#buffered }, 'audit entries not written at shutdown');
  }

  #enqueue(sessionId: string, entry: AuditEntry): void {
    if (this.#buffered >= this.#maxBuffered) {
      this.#lost.set(sessionId, (this.#lost.get(sessionId) ?? 0) + 1);
      return;
    }
    let list = this.#pending.get(sessionId);
    if (list === undefined) {
      list = [];
      this.#pending.set(sessionId, list);
    }
    list.push(entry);
    this.#buffered++;
    this.#schedule(this.#batchDelayMs);
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      detach(this.#deps.logger, 'audit flush failed', () => this.flush());
    }, delayMs);
    this.#timer.unref();
  }

  /** Turns counted denials into one entry per session and user, and forgets idle budgets. */
  #summarize(): void {
    for (const s of this.#suppressed.values()) {
      this.#enqueue(s.sessionId, {
        at: this.#now(),
        actor: s.actor,
        action: AuditAction.Suppressed,
        outcome: 'denied',
        detail: `${s.count} further denials not stored one by one`,
        data: { count: s.count },
      });
    }
    this.#suppressed.clear();
    this.#budget.sweep();
  }

  async #writeBatch(): Promise<void> {
    const batch = this.#pending;
    this.#pending = new Map();
    for (const [sessionId, count] of this.#lost) {
      const list = batch.get(sessionId) ?? [];
      list.push({ at: this.#now(), actor: null, action: AuditAction.Lost, outcome: 'ok', detail: `${count} entries could not be kept`, data: { count } });
      batch.set(sessionId, list);
      this.#buffered++;
    }
    this.#lost.clear();
    let failed = false;
    for (const [sessionId, entries] of batch) {
      try {
        if (!(await this.#exists(sessionId))) {
          this.#buffered -= entries.length;
          continue;
        }
        await this.#deps.store.appendAudit(
          sessionId,
          entries.map((e) => ({ at: e.at, data: encodeAuditEntry(e) })),
        );
        this.#buffered -= entries.length;
      } catch (err) {
        failed = true;
        this.#deps.logger.warn({ sessionId, entries: entries.length, err: String(err) }, 'audit write failed; will retry');
        // Back in front of anything recorded since, so the log keeps its order.
        const newer = this.#pending.get(sessionId) ?? [];
        this.#pending.set(sessionId, [...entries, ...newer]);
      }
    }
    if (failed) {
      this.#failures++;
      if (!this.#closed) this.#schedule(Math.min(MAX_RETRY_MS, this.#retryMs * 2 ** (this.#failures - 1)));
    } else {
      this.#failures = 0;
    }
  }

  async #exists(sessionId: string): Promise<boolean> {
    if (this.#known.has(sessionId)) return true;
    const exists = await this.#deps.sessionExists(sessionId);
    if (exists) {
      if (this.#known.size >= MAX_KNOWN_SESSIONS) this.#known.clear();
      this.#known.add(sessionId);
    }
    return exists;
  }
}
