import { RejectReason } from '@dungeon-lab/protocol';
import type { Ack, Intent } from '@dungeon-lab/events';
import { EventEmitter } from './event-emitter.ts';

export type PendingIntentState = 'queued' | 'sent' | 'delivery-failed' | 'awaiting-approval';

/** An intent the server has not answered for good yet. */
export interface PendingIntent {
  readonly intent: Intent;
  readonly priority: boolean;
  /** Client clock at submit; predictions use it as the event time. */
  readonly createdAt: number;
  /**
   * queued: not on the wire on this connection; sent: awaiting its ack;
   * delivery-failed: retries exhausted, still retrying; awaiting-approval:
   * sequenced as critical, a GM decides ([EL13]).
   */
  readonly state: PendingIntentState;
  /** The log sequence of an intent awaiting approval; null otherwise. */
  readonly approvalSequence: number | null;
  /** The doc's `/meta/sequence` when first sent (on any connection, any run); null while never sent. */
  readonly sentFloor: number | null;
  /** Resends on the current connection that went unanswered. */
  readonly retries: number;
}

/** What survives a reload: enough to resend, predict and order. */
export interface StoredIntent {
  readonly intent: Intent;
  readonly priority: boolean;
  readonly createdAt: number;
  readonly sentFloor: number | null;
  /** Set while awaiting a GM's approval: its log sequence. */
  readonly approvalSequence?: number;
}

/** How a GM settled an intent that awaited approval. */
export interface ApprovalDecision {
  readonly id: string;
  readonly sequence: number;
  readonly decision: 'approved' | 'denied';
  readonly reason?: string;
  readonly resolvedBy?: string;
  /** The GM edited the effect before approving it. */
  readonly edited?: boolean;
}

type Rejection = Extract<Ack, { success: false }>;

export interface EventQueueEvents {
  [event: string]: (payload: never) => void;
  /** The list or a state in it changed. */
  change: (e: void) => void;
  /** Sequenced: `applied` (effects in the doc), or `awaiting-approval` (a GM decides, [EL13]). */
  ack: (e: { id: string; sequence: number; status: 'applied' | 'awaiting-approval'; intent: Intent }) => void;
  /** A final rejection: the intent left the queue. */
  rejected: (e: { id: string; reason: string; detail?: string; conflict?: Rejection['conflict']; intent: Intent }) => void;
  /** Retries ran out without an ack; the intent stays queued and keeps being retried. */
  'delivery-failed': (e: { id: string; retries: number; intent: Intent }) => void;
  /** A GM approved or denied an intent that awaited approval; it left the queue. */
  decided: (e: ApprovalDecision & { intent: Intent }) => void;
}

export interface EventQueueOptions {
  /** Sends one `intent-submit`; false when no socket is open. */
  readonly send: (intents: readonly Intent[]) => boolean;
  /** The doc's `/meta/sequence`, recorded when an intent is first sent. */
  readonly appliedSequence: () => number;
  readonly batchWindowMs?: number;
  readonly maxBatch?: number;
  /** Wait before each retry of an unanswered send; the last value repeats. */
  readonly retryDelaysMs?: readonly number[];
  readonly now?: () => number;
}

export const DEFAULT_BATCH_WINDOW_MS = 50;
export const DEFAULT_MAX_BATCH = 10;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [100, 200, 400, 800, 1600];

interface Entry {
  readonly intent: Intent;
  readonly priority: boolean;
  readonly createdAt: number;
  sentFloor: number | null;
  /** Awaiting approval at this sequence: not resent on the retry schedule, only asked about once per connection. */
  approvalSequence: number | null;
  /** Sent on the current connection. */
  onWire: boolean;
  failed: boolean;
  retries: number;
  /** When to resend if still unanswered (meaningful while onWire). */
  dueAt: number;
}

/**
 * The client's outbox of intents ([EQ2]–[EQ6]): batching, the priority lane,
 * resends without an ack, rate-limit pauses and resend on reconnect, always in
 * submission order. Transport and storage are the owner's: it calls
 * `setConnected`, `handleAck`, and persists `stored()` on every `change`.
 */
export class EventQueue {
  readonly events = new EventEmitter<EventQueueEvents>();
  readonly #opts: Required<EventQueueOptions>;
  #entries: Entry[] = [];
  /** list() until the next change: the owner reads it on every doc change. */
  #snapshot: PendingIntent[] | null = null;
  readonly #waiters = new Map<string, (ack: Ack) => void>();
  #connected = false;
  #windowTimer: ReturnType<typeof setTimeout> | null = null;
  #tickTimer: ReturnType<typeof setTimeout> | null = null;
  #tickAt = Infinity;
  #disposed = false;
  /** A `rate-limited` answer stops all sending until then: every send, resends included, costs the user a token. */
  #pausedUntil = 0;
  /** Rate-limit pauses in a row without a success in between; sets the next pause's length. */
  #pauses = 0;

  constructor(opts: EventQueueOptions) {
    this.#opts = {
      send: opts.send,
      appliedSequence: opts.appliedSequence,
      batchWindowMs: opts.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS,
      maxBatch: opts.maxBatch ?? DEFAULT_MAX_BATCH,
      retryDelaysMs: opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      now: opts.now ?? (() => Date.now()),
    };
    if (this.#opts.retryDelaysMs.length === 0) throw new RangeError('retryDelaysMs needs at least one delay');
    if (!(this.#opts.maxBatch >= 1)) throw new RangeError('maxBatch must be >= 1');
  }

  /** Snapshot in queue (submission) order. */
  list(): readonly PendingIntent[] {
    return (this.#snapshot ??= this.#entries.map((e) => ({
      intent: e.intent,
      priority: e.priority,
      createdAt: e.createdAt,
      state: e.approvalSequence !== null ? 'awaiting-approval' : e.failed ? 'delivery-failed' : e.onWire ? 'sent' : 'queued',
      approvalSequence: e.approvalSequence,
      sentFloor: e.sentFloor,
      retries: e.retries,
    })));
  }

  get size(): number {
    return this.#entries.length;
  }

  has(id: string): boolean {
    return this.#entries.some((e) => e.intent.id === id);
  }

  stored(): StoredIntent[] {
    return this.#entries.map(({ intent, priority, createdAt, sentFloor, approvalSequence }) => ({
      intent,
      priority,
      createdAt,
      sentFloor,
      ...(approvalSequence === null ? {} : { approvalSequence }),
    }));
  }

  /** Puts intents of an earlier run in front of anything submitted since (they were submitted first). */
  restore(stored: readonly StoredIntent[]): void {
    const known = new Set(this.#entries.map((e) => e.intent.id));
    const restored = stored.filter((s) => !known.has(s.intent.id)).map((s) => newEntry(s));
    if (restored.length === 0) return;
    this.#entries = [...restored, ...this.#entries];
    this.#changed();
    if (this.#connected) this.#flush(true);
  }

  /** Queues an intent; the promise settles with its final ack (never with `rate-limited`). */
  submit(intent: Intent, priority: boolean): Promise<Ack> {
    if (this.#disposed) throw new Error('event queue disposed');
    if (this.has(intent.id)) throw new Error(`intent ${intent.id} is already queued`);
    this.#entries.push(newEntry({ intent, priority, createdAt: this.#opts.now(), sentFloor: null }));
    const result = new Promise<Ack>((resolve) => this.#waiters.set(intent.id, resolve));
    this.#changed();
    if (priority || this.#unsentCount() >= this.#opts.maxBatch) this.#flush();
    else this.#windowTimer ??= setTimeout(() => this.#flush(), this.#opts.batchWindowMs);
    return result;
  }

  /** A socket opened (everything unanswered goes out at once, in order) or closed. */
  setConnected(connected: boolean): void {
    if (this.#disposed) return;
    this.#connected = connected;
    for (const e of this.#entries) {
      e.onWire = false;
      e.retries = 0;
    }
    this.#clearTimers();
    // Intents awaiting approval go along: the server's answer to a resend says whether the GM decided while we were away ([EL14]).
    if (connected) this.#flush(true);
    this.#changed();
  }

  /** Applies an ack (or an entry seen in the log, as one); false when the id is not queued. */
  handleAck(ack: Ack): boolean {
    const index = this.#entries.findIndex((e) => e.intent.id === ack.id);
    if (index < 0) return false;
    const entry = this.#entries[index]!;
    if (entry.approvalSequence !== null) return this.#answerWhileAwaiting(index, entry, ack);
    if (ack.success && ack.status === 'awaiting-approval') {
      // Sequenced but held for the GM: `result` settles now; the decision comes later.
      entry.approvalSequence = ack.sequence;
      entry.onWire = false;
      entry.failed = false;
      entry.retries = 0;
      this.#pauses = 0;
      const resolve = this.#waiters.get(ack.id);
      this.#waiters.delete(ack.id);
      this.events.emit('ack', { id: ack.id, sequence: ack.sequence, status: 'awaiting-approval', intent: entry.intent });
      resolve?.(ack);
      this.#changed();
      return true;
    }
    if (!ack.success && ack.reason === RejectReason.RateLimited) {
      // Delivered but refused for now: it goes back in line and the whole outbox waits.
      entry.onWire = false;
      entry.failed = false;
      entry.retries = 0;
      const now = this.#opts.now();
      // Refusals of one burst arrive together; they make one pause, not a growing series.
      if (now >= this.#pausedUntil) this.#pausedUntil = now + this.#delay(this.#pauses++);
      this.#schedule(this.#pausedUntil);
      this.#changed();
      return true;
    }
    if (ack.success) this.#pauses = 0;
    this.#entries.splice(index, 1);
    const resolve = this.#waiters.get(ack.id);
    this.#waiters.delete(ack.id);
    if (ack.success) {
      this.events.emit('ack', { id: ack.id, sequence: ack.sequence, status: ack.status ?? 'applied', intent: entry.intent });
    } else {
      const { reason, detail, conflict } = ack;
      this.events.emit('rejected', { id: ack.id, reason, detail, conflict, intent: entry.intent });
    }
    resolve?.(ack);
    this.#changed();
    return true;
  }

  /**
   * A GM's decision learned from a broadcast or the log; false when no such
   * intent is queued. Normally the intent is awaiting approval already; if
   * its `awaiting-approval` ack was lost, `result` settles here with the
   * final answer instead.
   */
  decide(decision: ApprovalDecision): boolean {
    const index = this.#entries.findIndex(
      (e) => e.intent.id === decision.id || (e.approvalSequence !== null && e.approvalSequence === decision.sequence),
    );
    if (index < 0) return false;
    const resolve = this.#waiters.get(this.#entries[index]!.intent.id);
    this.#settle(index, decision);
    resolve?.(
      decision.decision === 'approved'
        ? { id: decision.id, success: true, sequence: decision.sequence }
        : { id: decision.id, success: false, reason: RejectReason.Denied, ...(decision.reason === undefined ? {} : { detail: decision.reason }) },
    );
    return true;
  }

  /** The answer to a status query (a resend) of an intent awaiting approval. */
  #answerWhileAwaiting(index: number, entry: Entry, ack: Ack): boolean {
    entry.onWire = false;
    const sequence = entry.approvalSequence!;
    if (ack.success) {
      if (ack.status !== 'awaiting-approval') this.#settle(index, { id: ack.id, sequence, decision: 'approved' });
    } else if (ack.reason !== RejectReason.RateLimited) {
      // The server answers a denied intent's resend with `denied` and the GM's reason.
      const reason = ack.reason === RejectReason.Denied ? ack.detail : [ack.reason, ack.detail].filter(Boolean).join(': ');
      this.#settle(index, { id: ack.id, sequence, decision: 'denied', ...(reason ? { reason } : {}) });
    }
    return true;
  }

  #settle(index: number, decision: ApprovalDecision): void {
    const [entry] = this.#entries.splice(index, 1);
    this.#waiters.delete(entry!.intent.id);
    this.events.emit('decided', { ...decision, intent: entry!.intent });
    this.#changed();
  }

  /**
   * The user asked to try again ([EQ28]): intents whose delivery failed start
   * their retry schedule over and go out at once on an open connection (on
   * the next one otherwise), and are `sent` again until that runs out too.
   */
  retryNow(): void {
    let any = false;
    for (const e of this.#entries) {
      if (!e.failed) continue;
      // As if just submitted: sent by the next flush, resent 100 ms later if still unanswered.
      e.failed = false;
      e.retries = 0;
      e.onWire = false;
      any = true;
    }
    if (!any) return;
    this.#changed();
    this.#flush();
  }

  dispose(): void {
    this.#disposed = true;
    this.#clearTimers();
    this.events.removeAllListeners();
  }

  #delay(attempt: number): number {
    const delays = this.#opts.retryDelaysMs;
    return delays[Math.min(attempt, delays.length - 1)]!;
  }

  #unsentCount(): number {
    let n = 0;
    for (const e of this.#entries) if (!e.onWire && e.approvalSequence === null) n++;
    return n;
  }

  #paused(now: number): boolean {
    if (now < this.#pausedUntil) {
      this.#schedule(this.#pausedUntil);
      return true;
    }
    return false;
  }

  /** Sends every intent not yet on the wire, in order; those awaiting approval only when a connection (re)opens. */
  #flush(withAwaiting = false): void {
    if (this.#windowTimer !== null) clearTimeout(this.#windowTimer);
    this.#windowTimer = null;
    if (!this.#connected || this.#disposed || this.#paused(this.#opts.now())) return;
    this.#send(this.#entries.filter((e) => !e.onWire && (withAwaiting || e.approvalSequence === null)));
  }

  #send(batch: readonly Entry[]): void {
    if (batch.length === 0) return;
    const now = this.#opts.now();
    const floor = this.#opts.appliedSequence();
    for (let i = 0; i < batch.length; i += this.#opts.maxBatch) {
      const chunk = batch.slice(i, i + this.#opts.maxBatch);
      // No open socket after all: the next open resends everything.
      if (!this.#opts.send(chunk.map((e) => e.intent))) break;
      for (const e of chunk) {
        // A status query is asked once per connection: no resend schedule, no delivery-failed.
        if (e.approvalSequence !== null) continue;
        e.onWire = true;
        e.sentFloor ??= floor;
        e.dueAt = now + this.#delay(e.retries);
        this.#schedule(e.dueAt);
      }
    }
    this.#changed();
  }

  /** Resends what went unanswered; after a rate-limit pause, also what waited unsent, all in queue order. */
  #tick(): void {
    this.#tickTimer = null;
    this.#tickAt = Infinity;
    const now = this.#opts.now();
    if (!this.#connected || this.#disposed || this.#paused(now)) return;
    const pauseEnded = this.#pausedUntil > 0;
    this.#pausedUntil = 0;
    const batch: Entry[] = [];
    const failed: Entry[] = [];
    for (const e of this.#entries) {
      if (!e.onWire) {
        if (pauseEnded && e.approvalSequence === null) batch.push(e);
        continue;
      }
      if (e.dueAt > now) {
        this.#schedule(e.dueAt);
        continue;
      }
      e.retries++;
      if (e.retries > this.#opts.retryDelaysMs.length && !e.failed) {
        e.failed = true;
        failed.push(e);
      }
      batch.push(e);
    }
    if (pauseEnded && this.#windowTimer !== null) {
      clearTimeout(this.#windowTimer);
      this.#windowTimer = null;
    }
    this.#send(batch);
    // After the send's change notice, so a listener reading list() sees the new state.
    for (const e of failed) this.events.emit('delivery-failed', { id: e.intent.id, retries: e.retries - 1, intent: e.intent });
  }

  #schedule(at: number): void {
    if (at >= this.#tickAt) return;
    if (this.#tickTimer !== null) clearTimeout(this.#tickTimer);
    this.#tickAt = at;
    this.#tickTimer = setTimeout(() => this.#tick(), Math.max(0, at - this.#opts.now()));
  }

  #clearTimers(): void {
    if (this.#windowTimer !== null) clearTimeout(this.#windowTimer);
    if (this.#tickTimer !== null) clearTimeout(this.#tickTimer);
    this.#windowTimer = null;
    this.#tickTimer = null;
    this.#tickAt = Infinity;
  }

  #changed(): void {
    this.#snapshot = null;
    this.events.emit('change', undefined);
  }
}

function newEntry(s: StoredIntent): Entry {
  return { intent: s.intent, priority: s.priority, createdAt: s.createdAt, sentFloor: s.sentFloor, approvalSequence: s.approvalSequence ?? null, onWire: false, failed: false, retries: 0, dueAt: 0 };
}
