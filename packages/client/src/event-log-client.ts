import {
  APPROVAL_RESOLVE_TYPE,
  AckSchema,
  ApprovalResolutionSchema,
  LogEntrySchema,
  META_ROOT,
  META_SEQUENCE_KEY,
  TABLE_DOC_SCHEMA,
  DocProjector,
  createIntent,
  type Ack,
  type ApprovalRequest,
  type ApprovalResolution,
  type ExpectedVersion,
  type Intent,
  type IntentRegistry,
  type JsonObject,
  type JsonValue,
  type LogEntry,
  type SessionRole,
} from '@dungeon-lab/events';
import { RejectReason, type ProtocolMessage, type ProtocolMessageType } from '@dungeon-lab/protocol';
import type * as Y from 'yjs';
import { AuditLog, auditEntryFromLog, type AuditEntry } from './audit-log.ts';
import { EventEmitter } from './event-emitter.ts';
import { INTENTS_META_KEY, LAST_SEQUENCE_META_KEY, parseIntents, parseLastSequence, serializeIntents } from './event-log-meta.ts';
import { EventQueue, type ApprovalDecision, type EventQueueEvents, type EventQueueOptions, type PendingIntent } from './event-queue.ts';
import { lazyValue, type LazyValue } from './lazy-value.ts';
import { OpenApprovals } from './open-approvals.ts';
import type { DocPersistence } from './persistence.ts';
import type { ApiResult } from './session-api.ts';
import { applyPredictions, planOverlay, type OverlayItem } from './prediction-overlay.ts';
import { createValue, type ReadableValue } from './readable-value.ts';
import { SequenceTracker } from './sequence-tracker.ts';
import type { ChannelStatus, SidecarChannel } from './sidecar-channel.ts';

/** The user id predictions run as while the token names none. */
export const ANONYMOUS_USER = 'anonymous';

/** How long the doc may show a sequence no message accounted for before a catch-up is requested. */
export const DEFAULT_GAP_GRACE_MS = 200;
/** A catch-up request with no answer by then may be repeated. */
const CATCH_UP_TIMEOUT_MS = 5000;

export type EventQueueTiming = Pick<EventQueueOptions, 'batchWindowMs' | 'maxBatch' | 'retryDelaysMs'>;

/** Who this client acts as, for predictions: read on every view computation. */
export interface ClientIdentity {
  readonly userId: string;
  /** Unknown until the server said; absent counts as a player. */
  readonly role?: SessionRole;
}

export interface EventLogClientOptions {
  readonly sessionId: string;
  readonly identity: () => ClientIdentity;
  readonly doc: Y.Doc;
  /** The table room's connection: intents go out and the log comes in on it. */
  readonly channel: SidecarChannel;
  readonly persistence: DocPersistence;
  readonly registry: IntentRegistry;
  readonly timing?: EventQueueTiming;
  readonly gapGraceMs?: number;
  /** Entries kept in `log` (default 500). */
  readonly logLimit?: number;
}

export interface SubmitOptions {
  /** Send at once instead of waiting for the batching window (default: the definition's `priority`). */
  readonly priority?: boolean;
  /** Precondition on one entity's version ([EL6]). */
  readonly expected?: ExpectedVersion;
}

export interface Submitted {
  readonly id: string;
  /** The final answer: success, or a rejection other than `rate-limited`. Stays pending if the client is destroyed first (the intent stays stored). */
  readonly result: Promise<Ack>;
}

export interface EventLogEvents {
  [event: string]: (payload: never) => void;
  ack: EventQueueEvents['ack'];
  rejected: EventQueueEvents['rejected'];
  'delivery-failed': EventQueueEvents['delivery-failed'];
  /** An own intent that awaited approval was approved or denied (with the GM's reason); it left `pending`. */
  decided: EventQueueEvents['decided'];
  /** GM only: requests joined the approval queue (live, or the whole queue on (re)join). */
  'approval-requested': (e: { approvals: ApprovalRequest[] }) => void;
  /** A critical intent of anyone in the session was decided. */
  'approval-resolved': (e: { resolution: ApprovalResolution }) => void;
  /** A log entry this client learned of: broadcast live, or `replayed` by a catch-up. This client's queued intents are reported by `ack`/`rejected` instead. */
  applied: (e: { entry: LogEntry; replayed: boolean }) => void;
  error: (e: { error: unknown }) => void;
}

interface AwaitingDoc extends OverlayItem {
  readonly sequence: number;
}

/**
 * The event-log side of the table document: submits intents through the
 * EventQueue on the table room's socket, tracks the log's sequence and catches
 * up on gaps, and maintains the optimistic view (doc JSON + predictions).
 * Nothing here writes to the Y.Doc.
 */
export class EventLogClient {
  #opts: EventLogClientOptions;
  readonly #events = new EventEmitter<EventLogEvents>();
  readonly #queue: EventQueue;
  readonly #pending = createValue<readonly PendingIntent[]>([]);
  readonly #pendingCount = createValue(0);
  readonly #lastSequence = createValue(0);
  readonly #view: LazyValue<JsonObject>;
  readonly #approvals = new OpenApprovals();
  readonly #log: AuditLog;
  #tracker = new SequenceTracker();
  /** Acked intents whose effect the doc does not show yet, by sequence. */
  #awaiting: AwaitingDoc[] = [];
  #docSequence: number;
  /** The doc's JSON, re-projected only where it changed, so the view shares every untouched subtree ([EQ23]). */
  #projector: DocProjector;
  #loaded = false;
  #closed = false;
  #catchUpUntil = 0;
  #gapTimer: ReturnType<typeof setTimeout> | null = null;
  #write: Promise<void> | null = null;
  #writeAgain = false;
  #written: { intents?: string; last?: string } = {};
  readonly #unsubscribes: Array<() => void> = [];
  /** While > 0, view invalidations are collected and done once at the end. */
  #batchDepth = 0;
  #viewStale = false;

  constructor(opts: EventLogClientOptions) {
    this.#opts = opts;
    this.#docSequence = this.#readDocSequence();
    this.#projector = new DocProjector(opts.doc, TABLE_DOC_SCHEMA);
    this.#log = new AuditLog(opts.logLimit);
    this.#queue = new EventQueue({
      ...opts.timing,
      send: (intents) => this.#sendFrame({ type: 'intent-submit', intents }),
      appliedSequence: () => this.#docSequence,
    });
    this.#view = lazyValue((force) => this.#computeView(force));
    this.#queue.events.on('ack', (e) => this.#events.emit('ack', e));
    this.#queue.events.on('rejected', (e) => this.#events.emit('rejected', e));
    this.#queue.events.on('delivery-failed', (e) => this.#events.emit('delivery-failed', e));
    this.#queue.events.on('decided', (e) => {
      this.#log.resolve(e.sequence, e.decision, resolutionFields(e));
      this.#approvals.resolve(e.sequence);
      this.#events.emit('decided', e);
    });
    this.#queue.events.on('change', this.#onQueueChange);
    this.#listen();
    opts.doc.on('update', this.#onDocUpdate);
    this.#unsubscribes.push(() => opts.doc.off('update', this.#onDocUpdate));
  }

  /** Table doc JSON with the predictions of pending intents applied, in queue order ([EQ7]). */
  get view(): ReadableValue<JsonObject> {
    return this.#view;
  }

  /** GM: the open approval requests, by sequence. Stays empty for players (the server never sends them the queue). */
  get approvals(): ReadableValue<readonly ApprovalRequest[]> {
    return this.#approvals.value;
  }

  /** The last entries of the session's log this client has seen, in sequence order. */
  get log(): ReadableValue<readonly AuditEntry[]> {
    return this.#log.value;
  }

  /** Intents not answered for good yet (or awaiting a GM's decision), in submission order. */
  get pending(): ReadableValue<readonly PendingIntent[]> {
    return this.#pending;
  }

  /** Sends the intents whose delivery failed again now, their schedule started over ([EQ28]); a UI's Retry. */
  retryNow(): void {
    this.#queue.retryNow();
  }

  get pendingCount(): ReadableValue<number> {
    return this.#pendingCount;
  }

  /** Every log sequence up to this one was seen or skipped ([EQ9]). */
  get lastSequence(): ReadableValue<number> {
    return this.#lastSequence;
  }

  on<K extends keyof EventLogEvents>(event: K, listener: EventLogEvents[K]): () => void {
    return this.#events.on(event, listener);
  }

  /** Query parameters of the next table-room connection. */
  connectionParams(): Record<string, string> {
    return this.#loaded ? { seq: String(this.#tracker.lastSeen) } : {};
  }

  /** Reads the stored queue and last sequence; runs once the doc itself is loaded, before the first connection. */
  async load(): Promise<void> {
    try {
      const [intents, last] = await Promise.all([
        this.#opts.persistence.getMeta(INTENTS_META_KEY),
        this.#opts.persistence.getMeta(LAST_SEQUENCE_META_KEY),
      ]);
      if (this.#closed) return;
      this.#docSequence = this.#readDocSequence();
      // Without a stored position, what the stored doc holds is what we have seen.
      this.#tracker = new SequenceTracker(parseLastSequence(last) ?? this.#docSequence);
      this.#lastSequence.set(this.#tracker.lastSeen);
      this.#queue.restore(parseIntents(intents));
    } catch (error) {
      this.#events.emit('error', { error });
    } finally {
      this.#loaded = true;
      // Intents submitted while loading are written now; earlier, the write would have replaced the stored queue.
      this.#persist();
      this.#view.invalidate();
    }
  }

  /** Queues an intent (works offline); throws for a payload that is not JSON. */
  submit(type: string, payload: JsonValue, options: SubmitOptions = {}): Submitted {
    if (this.#closed) throw new Error('session client destroyed');
    const intent = createIntent(type, payload, options.expected === undefined ? {} : { expected: options.expected });
    return this.submitIntent(intent, { priority: options.priority });
  }

  /** Queues an intent built elsewhere (a plugin's `createStateEvent`: id, checksum and `expected` already set). */
  submitIntent(intent: Intent, options: Pick<SubmitOptions, 'priority'> = {}): Submitted {
    if (this.#closed) throw new Error('session client destroyed');
    const priority = options.priority ?? this.#opts.registry.get(intent.type)?.priority ?? false;
    let result!: Promise<Ack>;
    this.#batch(() => {
      result = this.#queue.submit(intent, priority);
    });
    return { id: intent.id, result };
  }

  /** The identity behind predictions changed (token's user, role): recompute the view. */
  refreshView(): void {
    this.#invalidateView();
  }

  /**
   * Replaces the approval list with the server's (a GM after (re)connecting):
   * requests decided while this client was away disappear. A failed fetch
   * keeps the list as it is.
   */
  async reconcileApprovals(fetchQueue: () => Promise<ApiResult<readonly ApprovalRequest[]>>): Promise<void> {
    const marker = this.#approvals.beginSnapshot();
    const answer = await fetchQueue();
    if (this.#closed) return;
    if (answer.ok) this.#approvals.replace(marker, answer.data);
    else this.#events.emit('error', { error: new Error(`approval queue unavailable: ${answer.status} ${answer.error}`) });
  }

  /** Not a GM: the approval queue is not this client's to show. */
  clearApprovals(): void {
    this.#approvals.clear();
  }

  /** Resolves once the queue as it is now is in local storage. */
  async whenStored(): Promise<void> {
    while (this.#write) await this.#write;
  }

  /**
   * The table doc was started over on the same channel (a refused write,
   * docs/security.md [W21]): read the fresh doc and store in its storage. The
   * queue, the log position and the view's subscribers stay.
   */
  rebind(doc: Y.Doc, persistence: DocPersistence): void {
    if (this.#closed) return;
    this.#opts.doc.off('update', this.#onDocUpdate);
    this.#opts = { ...this.#opts, doc, persistence };
    this.#projector.destroy();
    this.#projector = new DocProjector(doc, TABLE_DOC_SCHEMA);
    doc.on('update', this.#onDocUpdate);
    this.#unsubscribes.push(() => doc.off('update', this.#onDocUpdate));
    // The old storage is gone: everything is written again.
    this.#written = {};
    this.#onDocUpdate();
    this.#persist();
  }

  /** Stops sending and listening, and finishes writing to local storage. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearGapTimer();
    this.#queue.dispose();
    this.#projector.destroy();
    for (const unsubscribe of this.#unsubscribes) unsubscribe();
    await this.whenStored();
    this.#events.removeAllListeners();
  }

  /** Runs `fn` with one view recomputation at the end instead of one per change inside it. */
  #batch(fn: () => void): void {
    this.#batchDepth++;
    try {
      fn();
    } finally {
      if (--this.#batchDepth === 0) {
        this.#log.publish();
        if (this.#viewStale) {
          this.#viewStale = false;
          this.#view.invalidate();
        }
      }
    }
  }

  #invalidateView(): void {
    if (this.#batchDepth > 0) this.#viewStale = true;
    else this.#view.invalidate();
  }

  // ---- connection -------------------------------------------------------

  readonly #onStatus = (status: ChannelStatus): void => {
    if (status !== 'connected') return;
    // The URL carried `seq`, so the server sends a catch-up unasked.
    this.#catchUpUntil = Date.now() + CATCH_UP_TIMEOUT_MS;
    // After the channel's sync step 1, which goes out right after this status.
    queueMicrotask(() => {
      if (!this.#closed && this.#opts.channel.status.get() === 'connected') this.#batch(() => this.#queue.setConnected(true));
    });
  };

  /** A socket that had opened is gone; one that never opened changed nothing here. */
  readonly #onClose = ({ opened }: { opened: boolean }): void => {
    if (!opened) return;
    this.#catchUpUntil = 0;
    this.#batch(() => this.#queue.setConnected(false));
  };

  #sendFrame(msg: ProtocolMessage): boolean {
    return !this.#closed && this.#opts.channel.send(msg);
  }

  #listen(): void {
    const { channel } = this.#opts;
    this.#unsubscribes.push(channel.status.subscribe(this.#onStatus), channel.events.on('close', this.#onClose));
    const on = <T extends ProtocolMessageType>(type: T, handle: (msg: Extract<ProtocolMessage, { type: T }>) => void) => {
      this.#unsubscribes.push(channel.on(type, (msg) => this.#batch(() => handle(msg))));
    };
    on('intent-ack', (msg) => this.#onAcks(msg.acks));
    on('event-applied', (msg) => this.#onEntries(msg.entries, false));
    on('catch-up-response', (msg) => this.#onCatchUp(msg.entries, msg.latest, msg.skipped));
    on('approval-requested', (msg) => this.#onApprovalRequested(msg.approvals));
    on('approval-resolved', (msg) => this.#onApprovalResolved(msg.resolutions));
  }

  // ---- approvals ----------------------------------------------------------

  #onApprovalRequested(raw: readonly unknown[]): void {
    const { added, malformed } = this.#approvals.add(raw);
    for (const detail of malformed) this.#events.emit('error', { error: new Error(`malformed approval request: ${detail}`) });
    for (const request of added) this.#log.record(auditEntryFromLog(request.entry, 'live'));
    if (added.length > 0) this.#events.emit('approval-requested', { approvals: added });
  }

  #onApprovalResolved(raw: readonly unknown[]): void {
    for (const item of raw) {
      const parsed = ApprovalResolutionSchema.safeParse(item);
      if (!parsed.success) {
        this.#events.emit('error', { error: new Error(`malformed approval resolution: ${parsed.error.issues[0]?.message}`) });
        continue;
      }
      const r = parsed.data;
      this.#decided({ id: r.id, sequence: r.sequence, decision: r.decision, resolvedBy: r.resolvedBy, edited: r.edited, ...(r.reason === undefined ? {} : { reason: r.reason }) });
      this.#events.emit('approval-resolved', { resolution: r });
    }
  }

  /** A decision, from whichever message told of it first; repeats change nothing. */
  #decided(decision: ApprovalDecision): void {
    this.#approvals.resolve(decision.sequence);
    this.#log.resolve(decision.sequence, decision.decision, resolutionFields(decision));
    // Emits `decided` (through the queue's listener) when it was our own intent.
    this.#queue.decide(decision);
  }

  // ---- acks, entries, catch-up ------------------------------------------

  #onAcks(raw: readonly unknown[]): void {
    for (const item of raw) {
      const parsed = AckSchema.safeParse(item);
      if (!parsed.success) {
        this.#events.emit('error', { error: new Error(`malformed ack: ${parsed.error.issues[0]?.message}`) });
        continue;
      }
      const ack = parsed.data;
      if (ack.success) this.#tracker.note(ack.sequence);
      this.#resolve(ack);
    }
    this.#afterLogProgress();
  }

  #onEntries(raw: readonly unknown[], replayed: boolean): void {
    this.#noteEntries(raw, replayed);
    this.#afterLogProgress();
  }

  #noteEntries(raw: readonly unknown[], replayed: boolean): void {
    const entries: LogEntry[] = [];
    for (const item of raw) {
      // An entry this member may not read arrives as its sequence alone: seen, nothing to show.
      const redacted = redactedSequence(item);
      if (redacted !== null) {
        this.#tracker.note(redacted);
        continue;
      }
      const parsed = LogEntrySchema.safeParse(item);
      if (parsed.success) entries.push(parsed.data);
      else this.#events.emit('error', { error: new Error(`malformed log entry: ${parsed.error.issues[0]?.message}`) });
    }
    entries.sort((a, b) => a.event.sequence - b.event.sequence);
    for (const entry of entries) {
      const fresh = this.#tracker.note(entry.event.sequence);
      const own = this.#queue.has(entry.event.id);
      this.#log.record(auditEntryFromLog(entry, replayed ? 'catch-up' : 'live'));
      // Settles an own intent that awaited approval (`decided`), whoever's the entry.
      this.#noteDecision(entry);
      if (own) {
        // Our own intent, answered on a socket that is gone: the entry is its ack ([EQ5]), reported as `ack`.
        const ack = ackFromEntry(entry);
        if (ack !== null) this.#resolve(ack);
      } else if (fresh) {
        this.#events.emit('applied', { entry, replayed });
      }
    }
  }

  /** A decision seen in the log: the `approval:resolve` event, or the decided entry itself (a catch-up after the fact). */
  #noteDecision(entry: LogEntry): void {
    const { event } = entry;
    if (event.type === APPROVAL_RESOLVE_TYPE && entry.status === 'applied') {
      const p = event.payload as { sequence?: unknown; id?: unknown; decision?: unknown; reason?: unknown; edited?: unknown };
      if (typeof p.sequence !== 'number' || typeof p.id !== 'string' || (p.decision !== 'approved' && p.decision !== 'denied')) return;
      this.#decided({
        id: p.id,
        sequence: p.sequence,
        decision: p.decision,
        resolvedBy: event.userId,
        ...(typeof p.reason === 'string' ? { reason: p.reason } : {}),
        ...(typeof p.edited === 'boolean' ? { edited: p.edited } : {}),
      });
    } else if (entry.status === 'approved' || entry.status === 'denied') {
      this.#decided({
        id: event.id,
        sequence: event.sequence,
        decision: entry.status,
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
        ...(entry.resolvedBy === undefined ? {} : { resolvedBy: entry.resolvedBy }),
      });
    }
  }

  #onCatchUp(raw: readonly unknown[], latest: number, skipped: boolean): void {
    this.#catchUpUntil = 0;
    if (latest < this.#tracker.lastSeen) {
      this.#tracker.rewindTo(latest);
      this.#log.dropAbove(latest);
    }
    const before = this.#tracker.lastSeen;
    if (!skipped) this.#noteEntries(raw, true);
    // Skipped: the doc arrives through Yjs. No progress: the log cannot fill the gap, so stop asking.
    if (skipped || (this.#tracker.lastSeen === before && before < latest)) this.#tracker.skipTo(latest);
    else if (this.#tracker.lastSeen < latest) this.#requestCatchUp(this.#tracker.lastSeen + 1);
    this.#afterLogProgress();
  }

  /** Hands an ack to the queue; a success first moves the prediction to the awaiting-doc list so it never blinks out. */
  #resolve(ack: Ack): void {
    const item = this.#queue.list().find((p) => p.intent.id === ack.id);
    if (item === undefined) return;
    // An answer about an intent already awaiting approval is about the GM's decision, which the queue handles.
    if (ack.success && item.approvalSequence === null) {
      const { intent } = item;
      this.#log.record({
        sequence: ack.sequence,
        id: intent.id,
        type: intent.type,
        userId: this.#opts.identity().userId,
        payload: intent.payload,
        status: ack.status ?? 'applied',
        source: 'ack',
      });
      // An intent awaiting a GM's approval changed nothing in the doc: its prediction goes now ([EL13]).
      if (ack.status !== 'awaiting-approval' && ack.sequence > this.#docSequence) {
        this.#awaiting.push({ intent, createdAt: item.createdAt, sentFloor: item.sentFloor, sequence: ack.sequence });
        this.#awaiting.sort((a, b) => a.sequence - b.sequence);
      }
    }
    this.#queue.handleAck(ack);
  }

  #afterLogProgress(): void {
    let minFloor = Infinity;
    for (const p of this.#queue.list()) if (p.approvalSequence === null && p.sentFloor !== null && p.sentFloor < minFloor) minFloor = p.sentFloor;
    this.#tracker.forgetBelow(minFloor + 1);
    this.#lastSequence.set(this.#tracker.lastSeen);
    const gap = this.#tracker.gap();
    if (gap !== null) this.#requestCatchUp(gap);
    this.#checkDocGap();
    this.#persist();
    this.#invalidateView();
  }

  #requestCatchUp(from: number): void {
    if (Date.now() < this.#catchUpUntil) return;
    if (this.#sendFrame({ type: 'catch-up-request', from })) this.#catchUpUntil = Date.now() + CATCH_UP_TIMEOUT_MS;
  }

  /** The doc shows a sequence no ack or broadcast accounted for (a lost `event-applied`): ask after a grace period. */
  #checkDocGap(): void {
    if (this.#docSequence <= this.#tracker.lastSeen) {
      this.#clearGapTimer();
      return;
    }
    this.#gapTimer ??= setTimeout(() => {
      this.#gapTimer = null;
      if (!this.#closed && this.#docSequence > this.#tracker.lastSeen) this.#requestCatchUp(this.#tracker.lastSeen + 1);
    }, this.#opts.gapGraceMs ?? DEFAULT_GAP_GRACE_MS);
  }

  #clearGapTimer(): void {
    if (this.#gapTimer !== null) clearTimeout(this.#gapTimer);
    this.#gapTimer = null;
  }

  // ---- doc and view -------------------------------------------------------

  #readDocSequence(): number {
    const value = this.#opts.doc.getMap(META_ROOT).get(META_SEQUENCE_KEY);
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
  }

  readonly #onDocUpdate = (): void => {
    const sequence = this.#readDocSequence();
    if (sequence !== this.#docSequence) {
      this.#docSequence = sequence;
      this.#awaiting = this.#awaiting.filter((a) => a.sequence > sequence);
      if (this.#loaded) this.#checkDocGap();
    }
    this.#invalidateView();
  };

  readonly #onQueueChange = (): void => {
    const list = this.#queue.list();
    this.#pending.set(list);
    this.#pendingCount.set(list.length);
    this.#persist();
    this.#invalidateView();
  };

  #computeView(force: boolean): { value: JsonObject } | null {
    // Intents awaiting approval are sequenced but change nothing until a GM decides: not predicted.
    const items: OverlayItem[] = [...this.#awaiting, ...this.#queue.list().filter((p) => p.approvalSequence === null)];
    const plan = planOverlay(items, this.#docSequence, (from, to) => this.#tracker.identifiedCovers(from, to));
    if (plan.hold && !force) return null;
    const { userId, role } = this.#opts.identity();
    const ctx = { userId, sessionId: this.#opts.sessionId, ...(role === undefined ? {} : { role }) };
    // Predictions copy only the paths they write ([EM4]): everything else stays the projector's objects.
    const { view } = applyPredictions(this.#projector.get(), plan.apply, this.#opts.registry, ctx);
    return { value: view };
  }

  // ---- local storage ------------------------------------------------------

  /** Writes queue and position; requests during a write collapse into one more write. */
  #persist(): void {
    if (!this.#loaded || this.#closed) return;
    if (this.#write) {
      this.#writeAgain = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.#writeAgain = false;
        const intents = serializeIntents(this.#queue.stored());
        const last = String(this.#tracker.lastSeen);
        try {
          if (intents !== this.#written.intents) {
            await this.#opts.persistence.setMeta(INTENTS_META_KEY, intents);
            this.#written.intents = intents;
          }
          if (last !== this.#written.last) {
            await this.#opts.persistence.setMeta(LAST_SEQUENCE_META_KEY, last);
            this.#written.last = last;
          }
        } catch (error) {
          this.#events.emit('error', { error });
        }
      } while (this.#writeAgain);
    };
    this.#write = run().finally(() => {
      this.#write = null;
    });
  }
}

/** The ack an own intent would have had, from its log entry; null for statuses that are not final. */
function ackFromEntry(entry: LogEntry): Ack | null {
  const { id, sequence } = entry.event;
  if (entry.status === 'applied' || entry.status === 'approved') return { id, success: true, sequence };
  if (entry.status === 'awaiting-approval') return { id, success: true, sequence, status: 'awaiting-approval' };
  if (entry.status === 'rejected' || entry.status === 'denied') {
    const reason = entry.status === 'denied' ? RejectReason.Denied : RejectReason.Conflict;
    return { id, success: false, reason, ...(entry.reason === undefined ? {} : { detail: entry.reason }) };
  }
  return null;
}

/** The sequence of a redacted entry (`{ sequence, redacted: true }`, what a player gets for an entry hidden from them), else null. */
function redactedSequence(item: unknown): number | null {
  if (typeof item !== 'object' || item === null) return null;
  const { redacted, sequence } = item as { redacted?: unknown; sequence?: unknown };
  return redacted === true && typeof sequence === 'number' && Number.isInteger(sequence) && sequence > 0 ? sequence : null;
}

function resolutionFields(d: ApprovalDecision): { reason?: string; resolvedBy?: string } {
  return { ...(d.reason === undefined ? {} : { reason: d.reason }), ...(d.resolvedBy === undefined ? {} : { resolvedBy: d.resolvedBy }) };
}

