import {
  APPROVAL_RESOLVE_TYPE,
  type Ack,
  type ApprovalDecisionPayload,
  type IntentContext,
  type IntentEffects,
  type IntentRegistry,
  type JsonValue,
  type LogEntry,
  type SessionRole,
  type StateEvent,
  payloadChecksum,
  readEntityVersion,
  touchedEntities,
  validateIntent,
} from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { RejectReason } from '@dungeon-lab/protocol';
import type { EventLogStore, Fence } from '@dungeon-lab/store';
import { detach } from '../boundary.ts';
import type { KeyedBuckets } from '../limits/token-bucket.ts';
import type { Logger } from '../logger.ts';
import type { IntentOutcome, Telemetry } from '../metrics/telemetry.ts';
import { LogUnavailableError, type Rejection, ackFor, idOf, rejection } from './acks.ts';
import { applyEventEffects, applyGmEffects, applySessionEffects, hasGmEffects } from './apply-effects.ts';
import { ApprovalDesk, type DecisionDocs, type ResolvedApproval } from './approval-desk.ts';
import type { PendingApproval } from './approval-queue.ts';
import type { SocketRef } from './event-log-notice.ts';
import { namesHiddenEntity } from './audience.ts';
import type { HotLog } from './hot-log.ts';
import { effectsOf, pluginFor, ruleHandlerFailed } from './intent-rules.ts';
import { type RejectionRecord, decodeLogEntry, decodeRejection, encodeRejection } from './log-codec.ts';
import { LogWriter, entryOf } from './log-writer.ts';
import { recoverDoc } from './recover-doc.ts';
import type { SessionDoc } from './session-doc.ts';

/** A session document held loaded (and recovered) until released. */
export interface OpenedDoc {
  readonly doc: SessionDoc;
  release(): void;
}

export interface SequencerOptions {
  readonly sessionId: string;
  readonly store: EventLogStore;
  /** This process's claim on the session's log, made when it took the lease: the log and its effects are written under it ([EL24]). */
  readonly fence: Fence;
  /** The store refused a write under the fence: another process claimed the session since. */
  readonly onFenced: () => void;
  readonly intents: IntentRegistry;
  /** Game systems by id, for critical intents, conflicts and edited approvals. */
  readonly plugins: ReadonlyMap<string, GameSystemPlugin>;
  readonly roleOf: (userId: string) => Promise<SessionRole | null>;
  readonly rate: KeyedBuckets;
  readonly hot: HotLog;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly random: () => number;
  readonly now: () => number;
  /** Intents waiting in the session's queue beyond which new ones are turned away. */
  readonly maxQueued: number;
  readonly openTable: () => Promise<OpenedDoc>;
  /** The session's GM document ([EL16]). */
  readonly openGm: () => Promise<OpenedDoc>;
  /**
   * Called after an event is logged (and applied, unless it awaits approval),
   * to tell the session's sockets but the sender's. Awaited, so that entries
   * reach every socket in log order even when some need a role lookup to be
   * filtered ([EL17]).
   */
  readonly onLogged: (entry: LogEntry, sender: SocketRef | undefined) => Promise<void>;
  /** A critical intent now waits for the GM. */
  readonly onApprovalRequested: (pending: PendingApproval, table: SessionDoc) => void;
  /** A pending critical intent was approved or denied. */
  readonly onApprovalResolved: (resolved: ResolvedApproval) => void;
}

/** How an entry reached the log: an intent (and approvals), or a checkpoint restore ([EL8]). */
export type CommitReason = 'intent' | 'restore';

type Job = () => Promise<void>;

/**
 * One session's intents, strictly in arrival order ([EL2]): rate limit (at
 * admission) → schema, size and checksum → dedupe by id → rules on the
 * submitted payload → server-side `prepare` (dice) → rules again → entity
 * locks and precondition → reduce → critical? (the approval desk) → next
 * sequence → durable append (the log writer) → apply to the table doc in one
 * transaction → ack → broadcast. Other jobs that must see a consistent log
 * position (checkpoints, restores, approvals) run through the same queue.
 * It runs while its process holds the session's lease; `stop` ends it.
 */
export class SessionSequencer {
  readonly #opts: SequencerOptions;
  readonly #writer: LogWriter;
  readonly desk: ApprovalDesk;
  readonly #queue: Job[] = [];
  #running = false;
  #stopped = false;

  get sessionId(): string {
    return this.#opts.sessionId;
  }

  /** The claim this sequencer writes under ([EL24]). */
  get fence(): Fence {
    return this.#opts.fence;
  }

  constructor(opts: SequencerOptions) {
    this.#opts = opts;
    this.#writer = new LogWriter({
      sessionId: opts.sessionId,
      store: opts.store,
      hot: opts.hot,
      telemetry: opts.telemetry,
      fence: opts.fence,
      onFenced: opts.onFenced,
    });
    this.desk = new ApprovalDesk({
      sessionId: opts.sessionId,
      store: opts.store,
      writer: this.#writer,
      intents: opts.intents,
      plugins: opts.plugins,
      roleOf: opts.roleOf,
      now: opts.now,
      logger: opts.logger,
      commit: (entry, { table, gm }) => this.commit(table, entry, { gm }),
    });
  }

  get idle(): boolean {
    return !this.#running && this.#queue.length === 0;
  }

  /** Runs `job` with the loaded table document, after every job queued before it. */
  run<T>(job: (table: SessionDoc) => Promise<T>): Promise<T> {
    if (this.#stopped) return Promise.reject(this.#lostLease());
    return new Promise<T>((resolve, reject) => {
      this.#queue.push(async () => {
        if (this.#stopped) {
          reject(this.#lostLease());
          return;
        }
        let table: OpenedDoc;
        try {
          table = await this.#opts.openTable();
        } catch (err) {
          reject(new LogUnavailableError(`table room unavailable: ${String(err)}`));
          return;
        }
        try {
          resolve(await job(table.doc));
        } catch (err) {
          reject(err);
        } finally {
          table.release();
        }
      });
      detach(this.#opts.logger, 'event-log queue failed', () => this.#drain(), { sessionId: this.#opts.sessionId });
    });
  }

  /**
   * The process lost the session's lease ([EL19]): jobs still queued are
   * refused like an unavailable log (no ack: clients retry), and nothing new
   * starts. The job already running finishes; the store refuses its append
   * if another holder took that sequence.
   */
  stop(): void {
    this.#stopped = true;
  }

  #lostLease(): LogUnavailableError {
    return new LogUnavailableError('this process no longer sequences the session');
  }

  /**
   * Admits an intent into the session's queue. The rate limit is taken here,
   * before queueing, so a flooding user is turned away at once and never
   * delays anyone else's intents behind their own ([EL11]).
   */
  submit(raw: unknown, userId: string, sender?: SocketRef): Promise<Ack> {
    // A resend of a recent intent is answered from memory at once: it costs no token and never waits ([EL3]).
    const recent = this.#opts.hot.byEventId(idOf(raw));
    if (recent !== undefined) return Promise.resolve(ackFor(recent));
    if (this.#opts.rate.take(userId) !== 0) {
      this.#opts.telemetry.rateLimited('intents-per-user');
      return Promise.resolve(rejection(idOf(raw), RejectReason.RateLimited, 'too many intents; retry later'));
    }
    if (this.#queue.length >= this.#opts.maxQueued) {
      this.#opts.telemetry.rateLimited('session-queue');
      return Promise.resolve(rejection(idOf(raw), RejectReason.RateLimited, 'session is busy; retry later'));
    }
    return this.run((table) => this.#process(raw, userId, table, sender));
  }

  /** Highest sequence in the log. */
  latest(): Promise<number> {
    return this.#writer.latest();
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) await this.#queue.shift()!();
    } finally {
      this.#running = false;
    }
  }

  async #process(raw: unknown, userId: string, table: SessionDoc, sender: SocketRef | undefined): Promise<Ack> {
    const checked = validateIntent(raw, this.#opts.intents);
    if (!checked.ok) return this.#judged(rejection(idOf(raw), checked.reason, checked.detail));

    // A resend gets its first answer and is not judged again: the conflict rate counts intents, not attempts.
    const prior = await this.#priorAck(checked.intent.id);
    if (prior !== null) return prior;

    const role = await this.#opts.roleOf(userId);
    // Only a GM's rules may read the GM document ([EL16]); a player's intent never depends on hidden state.
    const gm = role === 'gm' ? await this.#openGm() : null;
    try {
      return this.#judged(await this.#sequenceIntent(checked, role, userId, { table, gm: gm?.doc ?? null }, sender));
    } finally {
      gm?.release();
    }
  }

  /** Counts an intent's outcome for the conflict rate (docs/operations.md). */
  #judged(ack: Ack): Ack {
    const outcome: IntentOutcome = ack.success ? 'accepted' : ack.reason === RejectReason.Conflict ? 'conflict' : 'refused';
    this.#opts.telemetry.intentJudged(this.#opts.sessionId, outcome);
    return ack;
  }

  async #openGm(): Promise<OpenedDoc> {
    try {
      return await this.#opts.openGm();
    } catch (err) {
      throw new LogUnavailableError(`GM room unavailable: ${String(err)}`);
    }
  }

  async #sequenceIntent(
    checked: Extract<ReturnType<typeof validateIntent>, { ok: true }>,
    role: SessionRole | null,
    userId: string,
    docs: DecisionDocs,
    sender: SocketRef | undefined,
  ): Promise<Ack> {
    const { sessionId, intents, plugins, logger } = this.#opts;
    const { intent } = checked;
    const definition = intents.get(intent.type)!;
    const gm = docs.gm?.reader();
    const ctx: IntentContext = {
      userId,
      sessionId,
      timestamp: this.#opts.now(),
      ...(role ? { role } : {}),
      ...(gm ? { gm } : {}),
    };
    const reader = docs.table.reader();

    let payload: JsonValue;
    try {
      // Rules run on what the client claimed (impossible rolls are refused), then on what the server rolled.
      const claimed = definition.validate(checked.payload, reader, ctx);
      if (!claimed.ok) return this.#remember(rejection(intent.id, claimed.reason, claimed.detail), userId, intent.type);
      if (definition.prepare) {
        payload = definition.prepare(checked.payload, this.#opts.random, ctx);
        const prepared = definition.validate(payload, reader, ctx);
        if (!prepared.ok) return this.#remember(rejection(intent.id, prepared.reason, prepared.detail), userId, intent.type);
      } else {
        payload = checked.payload;
      }
    } catch (err) {
      return ruleHandlerFailed(logger, sessionId, intent.id, intent.type, err);
    }

    if (intent.type === APPROVAL_RESOLVE_TYPE) {
      const { ack, resolved } = await this.desk.resolve(intent.id, payload as ApprovalDecisionPayload, ctx, reader, docs);
      if (resolved !== null) this.#opts.onApprovalResolved(resolved);
      return ack;
    }

    const plugin = pluginFor(plugins, intent.type);
    let manual: string | null = null;
    if (intent.expected !== undefined) {
      const actual = readEntityVersion(reader, intent.expected.entity);
      if (actual !== intent.expected.version) {
        const conflict = { entity: intent.expected.entity, expected: intent.expected.version, actual };
        // A game system may settle it; without one, a changed entity is a conflict ([EL6]).
        const resolution = plugin?.resolveConflict(
          { intent, expected: intent.expected },
          { entity: reader.get(intent.expected.entity), version: actual },
          reader,
        ) ?? { kind: 'reject' as const, reason: `${intent.expected.entity} changed since version ${intent.expected.version}` };
        if (resolution.kind === 'reject') {
          return this.#remember(rejection(intent.id, RejectReason.Conflict, resolution.reason, { conflict }), userId, intent.type);
        }
        if (resolution.kind === 'manual') manual = resolution.reason;
      }
    }

    const sequence = (await this.#writer.latest()) + 1;
    const event: StateEvent = {
      id: intent.id,
      sequence,
      timestamp: ctx.timestamp,
      type: intent.type,
      payload,
      userId,
      sessionId,
      checksum: payloadChecksum(payload),
    };
    let effects: IntentEffects;
    let critical: string | null = manual;
    try {
      effects = effectsOf(definition, event, reader, gm);
      critical ??= plugin?.isCritical(event, effects.table, reader)?.summary ?? null;
    } catch (err) {
      return ruleHandlerFailed(logger, sessionId, intent.id, intent.type, err);
    }
    const patch = effects.table;
    // The intent decides who reads its entry; failing that, a GM's payload naming a hidden entity keeps it among GMs ([EL17]).
    const audience = effects.audience ?? (docs.gm !== null && namesHiddenEntity(payload, docs.gm, docs.table) ? 'gm' : 'all');

    const entities = touchedEntities(patch);
    const holder = this.desk.lockHolder(entities);
    if (holder !== undefined) {
      return this.#remember(
        rejection(intent.id, RejectReason.Conflict, `waiting for the GM to decide on #${holder}, which changes the same character`),
        userId,
        intent.type,
      );
    }

    if (critical !== null) {
      const pending: PendingApproval = { entry: entryOf(event, 'awaiting-approval', patch, effects.gm, audience), summary: critical, entities };
      await this.desk.request(pending);
      await this.#opts.onLogged(pending.entry, sender);
      this.#opts.onApprovalRequested(pending, docs.table);
      return { id: intent.id, success: true, sequence, status: 'awaiting-approval' };
    }
    const result = await this.commit(docs.table, entryOf(event, 'applied', patch, effects.gm, audience), { sender, gm: docs.gm });
    return result.status === 'applied'
      ? { id: intent.id, success: true, sequence }
      : rejection(intent.id, RejectReason.Conflict, result.reason ?? 'state changed');
  }

  /**
   * Logs the entry durably, then applies its effects to the table doc (and,
   * with a `gmPatch`, the GM doc: both or neither, [EL16]) and tells the
   * session. Call only from inside `run`, with the next sequence.
   */
  async commit(
    table: SessionDoc,
    entry: LogEntry,
    { sender, gm = null, reason = 'intent' }: { sender?: SocketRef; gm?: SessionDoc | null; reason?: CommitReason } = {},
  ): Promise<LogEntry> {
    if (hasGmEffects(entry) && gm === null) {
      // Loaded (and recovered) before the append, so recovery never races this entry's own write.
      const opened = await this.#openGm();
      try {
        return await this.commit(table, entry, { sender, gm: opened.doc, reason });
      } finally {
        opened.release();
      }
    }
    await this.#writer.append(entry);
    try {
      if (hasGmEffects(entry)) applySessionEffects(table, gm!, entry, reason);
      else applyEventEffects(table, entry, reason);
    } catch (err) {
      // Only possible if a free edit changed the doc between validation and now;
      // the entry is logged, so record why it had no effect.
      const failed: LogEntry = { ...entry, status: 'rejected', reason: `state changed: ${(err as Error).message}`, resolvedAt: this.#opts.now() };
      await this.#writer.replace(failed);
      await this.#opts.onLogged(failed, undefined);
      return failed;
    }
    await this.#opts.onLogged(entry, sender);
    return entry;
  }

  /** The answer a resent intent gets: its original ack, from memory or the store ([EL3]). */
  async #priorAck(id: string): Promise<Ack | null> {
    const { hot, store, sessionId } = this.#opts;
    const entry = hot.byEventId(id) ?? (await this.#storedEntry(id));
    if (entry !== null) return ackFor(entry);
    const rejected = await store.rejectionById(sessionId, id);
    return rejected === null ? null : decodeRejection(rejected.data).ack;
  }

  async #storedEntry(id: string): Promise<LogEntry | null> {
    const stored = await this.#opts.store.eventById(this.#opts.sessionId, id);
    return stored === null ? null : decodeLogEntry(stored.data);
  }

  /** State-dependent rejections are stored so that a resend cannot succeed later ([EL3]). */
  async #remember(ack: Rejection, userId: string, type: string): Promise<Ack> {
    const record: RejectionRecord = { ack, userId, type, at: this.#opts.now() };
    const data = encodeRejection(record);
    try {
      await this.#opts.store.putRejection(this.#opts.sessionId, { id: ack.id, data });
    } catch (err) {
      throw new LogUnavailableError(`could not record rejection: ${String(err)}`);
    }
    this.#opts.telemetry.eventLogAppended('rejection', data.byteLength);
    return ack;
  }

  /**
   * Runs when the table room loads (and when the sequencer starts with it
   * loaded), before anyone syncs: replays logged effects the doc lacks
   * ([EL9]) and reloads the approval queue ([EL13]).
   */
  async recoverTable(table: SessionDoc): Promise<number> {
    const replayed = await recoverDoc({
      ...this.#recoveryBase(),
      doc: table,
      label: 'table',
      last: await this.#writer.reload(),
      // An approved request's effects are its resolution entry's patch (logged after it), never its predicted one.
      replay: (entry) => {
        if (entry.status !== 'applied') return false;
        applyEventEffects(table, entry, 'recovery');
        return true;
      },
      recordChecked: false,
    });
    await this.desk.load();
    return replayed;
  }

  /**
   * Runs when the GM room loads, before anyone syncs ([EL18]): replays the
   * GM-doc part of every applied entry the GM doc lacks, whatever the table
   * holds. Approved requests are not replayed: their effects are their
   * resolution entry's.
   */
  async recoverGm(gm: SessionDoc): Promise<number> {
    return recoverDoc({
      ...this.#recoveryBase(),
      doc: gm,
      label: 'GM',
      // Read from the store, not the writer: a GM room may load while an append is in flight.
      last: await this.#opts.store.lastSequence(this.#opts.sessionId),
      replay: (entry) => entry.status === 'applied' && hasGmEffects(entry) && applyGmEffects(gm, entry, 'recovery'),
      recordChecked: true,
    });
  }

  #recoveryBase() {
    const { sessionId, store, logger, telemetry } = this.#opts;
    return { sessionId, store, logger, telemetry };
  }
}
