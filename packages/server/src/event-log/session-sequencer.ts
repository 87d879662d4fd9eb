import {
  type Ack,
  type IntentRegistry,
  type JsonValue,
  type LogEntry,
  type StateEvent,
  TABLE_DOC_SCHEMA,
  createDocReader,
  payloadChecksum,
  readEntityVersion,
  validateIntent,
} from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { DuplicateEventError, type Store } from '@dungeon-lab/store';
import type { Logger } from '../logger.ts';
import type { Room } from '../room.ts';
import { appliedSequence, applyEventEffects } from './apply-effects.ts';
import type { HotLog } from './hot-log.ts';
import { type RejectionRecord, decodeLogEntry, decodeRejection, encodeLogEntry, encodeRejection } from './log-codec.ts';
import type { RateLimiter } from './rate-limiter.ts';

export interface SequencerDeps {
  readonly sessionId: string;
  readonly store: Store;
  readonly intents: IntentRegistry;
  readonly rate: RateLimiter;
  readonly hot: HotLog;
  readonly logger: Logger;
  readonly random: () => number;
  readonly now: () => number;
  /** Intents waiting in the session's queue beyond which new ones are turned away. */
  readonly maxQueued: number;
  readonly acquireRoom: () => Promise<Room>;
  readonly releaseRoom: (room: Room) => void;
  /** Called after an event is logged and applied, to tell the session's other sockets. */
  readonly onApplied: (entry: LogEntry, room: Room, exceptPeerId: number | undefined) => void;
}

/** The log could not be written: no ack is given, the client retries and dedupe keeps it exactly-once. */
export class LogUnavailableError extends Error {
  override readonly name = 'LogUnavailableError';
}

type Rejection = Extract<Ack, { success: false }>;

/** An intent definition's own code threw; raised before anything is logged. */
class HandlerError extends Error {
  constructor(override readonly cause: unknown) {
    super(String(cause));
  }
}

function rejection(id: string, reason: RejectReason, detail: string, extra: Partial<Rejection> = {}): Rejection {
  return { id, success: false, reason, detail, ...extra };
}

function idOf(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 64) : '';
}

/**
 * One session's intents, strictly in arrival order ([EL2]): rate-limit (at
 * admission) → validate schema and checksum → dedupe by id → rule validation → precondition →
 * next sequence → durable append → apply to the table doc in one transaction
 * → ack → broadcast. Other jobs that must see a consistent log position
 * (checkpoints, restores) run through the same queue.
 */
export class SessionSequencer {
  private readonly deps: SequencerDeps;
  private readonly queue: Array<() => Promise<void>> = [];
  private running = false;
  private lastSequence: number | null = null;

  constructor(deps: SequencerDeps) {
    this.deps = deps;
  }

  get idle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  /** Runs `job` with the loaded table room, after every job queued before it. */
  run<T>(job: (room: Room) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(async () => {
        let room: Room;
        try {
          room = await this.deps.acquireRoom();
        } catch (err) {
          reject(new LogUnavailableError(`table room unavailable: ${String(err)}`));
          return;
        }
        try {
          resolve(await job(room));
        } catch (err) {
          reject(err);
        } finally {
          this.deps.releaseRoom(room);
        }
      });
      void this.drain();
    });
  }

  /**
   * Admits an intent into the session's queue. The rate limit is taken here,
   * before queueing, so a flooding user is turned away at once and never
   * delays anyone else's intents behind their own ([EL11]).
   */
  submit(raw: unknown, userId: string, peerId?: number): Promise<Ack> {
    if (!this.deps.rate.take(userId)) {
      return Promise.resolve(rejection(idOf(raw), RejectReason.RateLimited, 'too many intents; retry later'));
    }
    if (this.queue.length >= this.deps.maxQueued) {
      return Promise.resolve(rejection(idOf(raw), RejectReason.RateLimited, 'session is busy; retry later'));
    }
    return this.run((room) => this.process(raw, userId, room, peerId));
  }

  /** Highest sequence in the log. */
  async latest(): Promise<number> {
    if (this.lastSequence === null) this.lastSequence = await this.deps.store.lastSequence(this.deps.sessionId);
    return this.lastSequence;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) await this.queue.shift()!();
    } finally {
      this.running = false;
    }
  }

  private async process(raw: unknown, userId: string, room: Room, peerId: number | undefined): Promise<Ack> {
    const { deps } = this;
    const checked = validateIntent(raw, deps.intents);
    if (!checked.ok) return rejection(idOf(raw), checked.reason, checked.detail);
    const { intent } = checked;

    const prior = await this.priorAck(intent.id);
    if (prior !== null) return prior;

    const definition = deps.intents.get(intent.type)!;
    const ctx = { userId, sessionId: deps.sessionId, timestamp: deps.now() };
    const reader = createDocReader(room.doc, TABLE_DOC_SCHEMA);
    let payload: JsonValue;
    try {
      payload = definition.prepare ? definition.prepare(checked.payload, deps.random, ctx) : checked.payload;
      const verdict = definition.validate(payload, reader, ctx);
      if (!verdict.ok) return this.remember(rejection(intent.id, verdict.reason, verdict.detail), userId, intent.type);
    } catch (err) {
      return this.handlerFailed(intent.id, intent.type, err);
    }

    if (intent.expected !== undefined) {
      const actual = readEntityVersion(reader, intent.expected.entity);
      if (actual !== intent.expected.version) {
        return this.remember(
          rejection(intent.id, RejectReason.Conflict, `${intent.expected.entity} changed since version ${intent.expected.version}`, {
            conflict: { entity: intent.expected.entity, expected: intent.expected.version, actual },
          }),
          userId,
          intent.type,
        );
      }
    }

    let result: LogEntry;
    try {
      result = await this.commit(room, (sequence) => {
        const event: StateEvent = {
          id: intent.id,
          sequence,
          timestamp: ctx.timestamp,
          type: intent.type,
          payload,
          userId,
          sessionId: deps.sessionId,
          checksum: payloadChecksum(payload),
        };
        try {
          return { event, status: 'applied', patch: definition.reduce(event, reader) };
        } catch (err) {
          throw new HandlerError(err);
        }
      }, peerId);
    } catch (err) {
      if (err instanceof HandlerError) return this.handlerFailed(intent.id, intent.type, err.cause);
      throw err;
    }
    return result.status === 'applied'
      ? { id: intent.id, success: true, sequence: result.event.sequence }
      : rejection(intent.id, RejectReason.Conflict, result.reason ?? 'state changed');
  }

  /**
   * Assigns the next sequence, logs the entry durably, then applies its effects
   * to the table doc and tells the session. Call only from inside `run`.
   */
  async commit(room: Room, build: (sequence: number) => LogEntry, peerId?: number): Promise<LogEntry> {
    const { deps } = this;
    const entry = build((await this.latest()) + 1);
    const { sequence, id } = entry.event;
    await this.append(entry);
    deps.hot.push(entry);
    try {
      applyEventEffects(room.doc, entry);
    } catch (err) {
      // Only possible if a free edit changed the doc between validation and now;
      // the entry is logged, so record why it had no effect.
      const failed: LogEntry = { ...entry, status: 'rejected', reason: `state changed: ${(err as Error).message}`, resolvedAt: deps.now() };
      deps.hot.update(failed);
      await deps.store.replaceEvent(deps.sessionId, { sequence, id, data: encodeLogEntry(failed) });
      deps.onApplied(failed, room, undefined);
      return failed;
    }
    deps.onApplied(entry, room, peerId);
    return entry;
  }

  /** A rule handler that throws is a bug in that intent type, not in the caller: reject, log, go on. */
  private handlerFailed(id: string, type: string, err: unknown): Ack {
    this.deps.logger.error({ sessionId: this.deps.sessionId, type, err: String(err), stack: (err as Error).stack }, 'intent handler threw');
    return rejection(id, RejectReason.RuleViolation, `${type} could not be evaluated: ${(err as Error).message}`);
  }

  /** Logs an event (and its id) durably, then advances the sequence. */
  async append(entry: LogEntry): Promise<void> {
    const { sessionId, store } = this.deps;
    const stored = { sequence: entry.event.sequence, id: entry.event.id, data: encodeLogEntry(entry) };
    try {
      await store.appendEvents(sessionId, [stored]);
    } catch (err) {
      if (err instanceof DuplicateEventError) {
        // Someone else advanced the log (another process, or state we had not read); re-read and let the client retry.
        this.lastSequence = null;
      }
      throw new LogUnavailableError(`event log write failed: ${String(err)}`);
    }
    this.lastSequence = entry.event.sequence;
  }

  /** The answer a resent intent gets: its original ack, from memory or the store ([EL3]). */
  private async priorAck(id: string): Promise<Ack | null> {
    const { hot, store, sessionId } = this.deps;
    const cached = hot.byEventId(id);
    const entry = cached ?? (await this.storedEntry(id));
    if (entry !== null) return ackFor(entry);
    const rejected = await store.rejectionById(sessionId, id);
    return rejected === null ? null : decodeRejection(rejected.data).ack;
  }

  private async storedEntry(id: string): Promise<LogEntry | null> {
    const stored = await this.deps.store.eventById(this.deps.sessionId, id);
    return stored === null ? null : decodeLogEntry(stored.data);
  }

  /** State-dependent rejections are stored so that a resend cannot succeed later ([EL3]). */
  private async remember(ack: Rejection, userId: string, type: string): Promise<Ack> {
    const record: RejectionRecord = { ack, userId, type, at: this.deps.now() };
    try {
      await this.deps.store.putRejection(this.deps.sessionId, { id: ack.id, data: encodeRejection(record) });
    } catch (err) {
      throw new LogUnavailableError(`could not record rejection: ${String(err)}`);
    }
    return ack;
  }

  /**
   * Re-applies logged events whose effects the table doc lacks — a crash after
   * the log append but before the doc update was stored ([EL9]).
   */
  async recover(room: Room): Promise<number> {
    const { store, sessionId, logger } = this.deps;
    let applied = appliedSequence(room.doc);
    const last = await store.lastSequence(sessionId);
    this.lastSequence = last;
    let replayed = 0;
    while (applied < last) {
      const page = await store.readEvents(sessionId, applied + 1, 100);
      if (page.length === 0) break;
      for (const stored of page) {
        const entry = decodeLogEntry(stored.data);
        if (entry.status === 'applied' || entry.status === 'approved') {
          try {
            applyEventEffects(room.doc, entry);
            replayed++;
          } catch (err) {
            logger.error({ sessionId, sequence: entry.event.sequence, err: String(err) }, 'logged event no longer applies');
          }
        }
        applied = entry.event.sequence;
      }
    }
    if (replayed > 0) logger.warn({ sessionId, replayed }, 'recovered event effects missing from the table doc');
    return replayed;
  }
}

export function ackFor(entry: LogEntry): Ack {
  if (entry.status === 'rejected' || entry.status === 'denied') {
    return rejection(entry.event.id, RejectReason.Conflict, entry.reason ?? entry.status);
  }
  return { id: entry.event.id, success: true, sequence: entry.event.sequence };
}
