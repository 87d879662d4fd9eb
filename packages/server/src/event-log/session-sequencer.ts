import {
  APPROVAL_RESOLVE_TYPE,
  type Ack,
  type ApprovalDecisionPayload,
  GM_DOC_SCHEMA,
  type IntentContext,
  type IntentDefinition,
  type IntentEffects,
  type IntentRegistry,
  type JsonPatchOp,
  type JsonValue,
  type LogAudience,
  type LogEntry,
  type ReducibleEvent,
  type SessionRole,
  type StateEvent,
  type StateReader,
  TABLE_DOC_SCHEMA,
  createDocReader,
  payloadChecksum,
  readEntityVersion,
  touchedEntities,
  validateIntent,
} from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { RejectReason } from '@dungeon-lab/protocol';
import { DuplicateEventError, type Store } from '@dungeon-lab/store';
import type { Logger } from '../logger.ts';
import type { Room } from '../room.ts';
import { appliedSequence, applyEventEffects, applyGmEffects, applySessionEffects, hasGmEffects, markChecked } from './apply-effects.ts';
import { namesHiddenEntity } from './audience.ts';
import { ApprovalQueue, type PendingApproval, decodePendingApproval, encodePendingApproval, resolutionIdFor } from './approval-queue.ts';
import { detach } from '../boundary.ts';
import type { HotLog } from './hot-log.ts';
import { type RejectionRecord, decodeLogEntry, decodeRejection, encodeLogEntry, encodeRejection } from './log-codec.ts';
import type { KeyedBuckets } from '../limits/token-bucket.ts';

export interface SequencerDeps {
  readonly sessionId: string;
  readonly store: Store;
  readonly intents: IntentRegistry;
  /** Game systems by id, for critical intents, conflicts and edited approvals. */
  readonly plugins: ReadonlyMap<string, GameSystemPlugin>;
  readonly roleOf: (userId: string) => Promise<SessionRole | null>;
  readonly rate: KeyedBuckets;
  readonly hot: HotLog;
  readonly logger: Logger;
  readonly random: () => number;
  readonly now: () => number;
  /** Intents waiting in the session's queue beyond which new ones are turned away. */
  readonly maxQueued: number;
  readonly acquireRoom: () => Promise<Room>;
  /** The session's GM document room ([EL16]); released with `releaseRoom`. */
  readonly acquireGmRoom: () => Promise<Room>;
  readonly releaseRoom: (room: Room) => void;
  /**
   * Called after an event is logged (and applied, unless it awaits approval),
   * to tell the session's sockets. Awaited, so that entries reach every socket
   * in log order even when some need a role lookup to be filtered ([EL17]).
   */
  readonly onLogged: (entry: LogEntry, room: Room, exceptPeerId: number | undefined) => void | Promise<void>;
  /** A critical intent now waits for the GM. */
  readonly onApprovalRequested: (pending: PendingApproval, room: Room) => void;
  /** A pending critical intent was approved or denied. */
  readonly onApprovalResolved: (resolution: ResolvedApproval, room: Room) => void | Promise<void>;
}

export interface ResolvedApproval {
  readonly target: LogEntry;
  readonly resolution: LogEntry;
  readonly edited: boolean;
}

/** The log could not be written: no ack is given, the client retries and dedupe keeps it exactly-once. */
export class LogUnavailableError extends Error {
  override readonly name = 'LogUnavailableError';
}

type Rejection = Extract<Ack, { success: false }>;

function rejection(id: string, reason: RejectReason, detail: string, extra: Partial<Rejection> = {}): Rejection {
  return { id, success: false, reason, detail, ...extra };
}

/** The id a raw (possibly invalid) intent claims, for answering it. */
export function idOf(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 64) : '';
}

/** The plugin whose namespace an intent type is in (`plugin:<id>:…`). */
function pluginIdOf(type: string): string | null {
  const m = /^plugin:([^:]+):/.exec(type);
  return m === null ? null : m[1]!;
}

/** An intent's effects on the session's documents: its own `effects` where it has them, else `reduce` on the table ([EL16]). */
function effectsOf(definition: IntentDefinition, event: ReducibleEvent<JsonValue>, table: StateReader, gm: StateReader | undefined): IntentEffects {
  return definition.effects ? definition.effects(event, table, gm) : { table: definition.reduce(event, table) };
}

/** A log entry with the optional parts present only when they say something (stored compactly, filtered cheaply). */
function entryOf(event: StateEvent, status: LogEntry['status'], patch: JsonPatchOp[], gmPatch: JsonPatchOp[] | undefined, audience: LogAudience): LogEntry {
  return {
    event,
    status,
    patch,
    ...(gmPatch !== undefined && gmPatch.length > 0 ? { gmPatch } : {}),
    ...(audience === 'gm' ? { audience } : {}),
  };
}

/** Where recovery's own writes come from (bookkeeping, not any event). */
const RECOVERY_ORIGIN = 'event-log-recovery';

/**
 * One session's intents, strictly in arrival order ([EL2]): rate limit (at
 * admission) → schema, size and checksum → dedupe by id → rules on the
 * submitted payload → server-side `prepare` (dice) → rules again → entity
 * locks and precondition → reduce → critical? (GM approval queue) → next
 * sequence → durable append → apply to the table doc in one transaction →
 * ack → broadcast. Other jobs that must see a consistent log position
 * (checkpoints, restores, approvals) run through the same queue.
 */
export class SessionSequencer {
  private readonly deps: SequencerDeps;
  private readonly queue: Array<() => Promise<void>> = [];
  private running = false;
  private lastSequence: number | null = null;
  readonly approvals = new ApprovalQueue();

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
      detach(this.deps.logger, 'event-log queue failed', () => this.drain(), { sessionId: this.deps.sessionId });
    });
  }

  /**
   * Admits an intent into the session's queue. The rate limit is taken here,
   * before queueing, so a flooding user is turned away at once and never
   * delays anyone else's intents behind their own ([EL11]).
   */
  submit(raw: unknown, userId: string, peerId?: number): Promise<Ack> {
    // A resend of a recent intent is answered from memory at once: it costs no token and never waits ([EL3]).
    const recent = this.deps.hot.byEventId(idOf(raw));
    if (recent !== undefined) return Promise.resolve(ackFor(recent));
    if (this.deps.rate.take(userId) !== 0) {
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

    const role = await deps.roleOf(userId);
    // Only a GM's rules may read the GM document ([EL16]); a player's intent never depends on hidden state.
    const gmRoom = role === 'gm' ? await this.acquireGmRoom() : null;
    try {
      return await this.sequenceIntent(checked, role, userId, room, gmRoom, peerId);
    } finally {
      if (gmRoom !== null) deps.releaseRoom(gmRoom);
    }
  }

  private async acquireGmRoom(): Promise<Room> {
    try {
      return await this.deps.acquireGmRoom();
    } catch (err) {
      throw new LogUnavailableError(`GM room unavailable: ${String(err)}`);
    }
  }

  private async sequenceIntent(
    checked: Extract<ReturnType<typeof validateIntent>, { ok: true }>,
    role: SessionRole | null,
    userId: string,
    room: Room,
    gmRoom: Room | null,
    peerId: number | undefined,
  ): Promise<Ack> {
    const { deps } = this;
    const { intent } = checked;
    const definition = deps.intents.get(intent.type)!;
    const gm = gmRoom === null ? undefined : createDocReader(gmRoom.doc, GM_DOC_SCHEMA);
    const ctx: IntentContext = {
      userId,
      sessionId: deps.sessionId,
      timestamp: deps.now(),
      ...(role ? { role } : {}),
      ...(gm ? { gm } : {}),
    };
    const reader = createDocReader(room.doc, TABLE_DOC_SCHEMA);

    let payload: JsonValue;
    try {
      // Rules run on what the client claimed (impossible rolls are refused), then on what the server rolled.
      const claimed = definition.validate(checked.payload, reader, ctx);
      if (!claimed.ok) return this.remember(rejection(intent.id, claimed.reason, claimed.detail), userId, intent.type);
      if (definition.prepare) {
        payload = definition.prepare(checked.payload, deps.random, ctx);
        const prepared = definition.validate(payload, reader, ctx);
        if (!prepared.ok) return this.remember(rejection(intent.id, prepared.reason, prepared.detail), userId, intent.type);
      } else {
        payload = checked.payload;
      }
    } catch (err) {
      return this.handlerFailed(intent.id, intent.type, err);
    }

    if (intent.type === APPROVAL_RESOLVE_TYPE) {
      return this.resolveApproval(intent.id, payload as ApprovalDecisionPayload, ctx, room, reader, gmRoom);
    }

    const plugin = this.pluginFor(intent.type);
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
          return this.remember(rejection(intent.id, RejectReason.Conflict, resolution.reason, { conflict }), userId, intent.type);
        }
        if (resolution.kind === 'manual') manual = resolution.reason;
      }
    }

    const sequence = (await this.latest()) + 1;
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
    let effects: IntentEffects;
    let critical: string | null = manual;
    try {
      effects = effectsOf(definition, event, reader, gm);
      critical ??= plugin?.isCritical(event, effects.table, reader)?.summary ?? null;
    } catch (err) {
      return this.handlerFailed(intent.id, intent.type, err);
    }
    const patch = effects.table;
    // The intent decides who reads its entry; failing that, a GM's payload naming a hidden entity keeps it among GMs ([EL17]).
    const audience = effects.audience ?? (gmRoom !== null && namesHiddenEntity(payload, gmRoom.doc, room.doc) ? 'gm' : 'all');

    const entities = touchedEntities(patch);
    const holder = this.approvals.lockHolder(entities);
    if (holder !== undefined) {
      return this.remember(
        rejection(intent.id, RejectReason.Conflict, `waiting for the GM to decide on #${holder}, which changes the same character`),
        userId,
        intent.type,
      );
    }

    if (critical !== null) {
      const entry = entryOf(event, 'awaiting-approval', patch, effects.gm, audience);
      await this.enqueueApproval({ entry, summary: critical, entities }, room, peerId);
      return { id: intent.id, success: true, sequence, status: 'awaiting-approval' };
    }
    const result = await this.commit(room, entryOf(event, 'applied', patch, effects.gm, audience), peerId, gmRoom);
    return result.status === 'applied'
      ? { id: intent.id, success: true, sequence }
      : rejection(intent.id, RejectReason.Conflict, result.reason ?? 'state changed');
  }

  private pluginFor(type: string): GameSystemPlugin | undefined {
    const id = pluginIdOf(type);
    return id === null ? undefined : this.deps.plugins.get(id);
  }

  /**
   * Logs the entry durably, then applies its effects to the table doc (and,
   * with a `gmPatch`, the GM doc: both or neither, [EL16]) and tells the
   * session. Call only from inside `run`, with the next sequence.
   */
  async commit(room: Room, entry: LogEntry, peerId?: number, gmRoom: Room | null = null): Promise<LogEntry> {
    const { deps } = this;
    if (hasGmEffects(entry) && gmRoom === null) {
      // Loaded (and recovered) before the append, so recovery never races this entry's own write.
      const acquired = await this.acquireGmRoom();
      try {
        return await this.commit(room, entry, peerId, acquired);
      } finally {
        deps.releaseRoom(acquired);
      }
    }
    const { sequence, id } = entry.event;
    await this.append(entry);
    deps.hot.push(entry);
    try {
      if (hasGmEffects(entry)) applySessionEffects(room.doc, gmRoom!.doc, entry);
      else applyEventEffects(room.doc, entry);
    } catch (err) {
      // Only possible if a free edit changed the doc between validation and now;
      // the entry is logged, so record why it had no effect.
      const failed: LogEntry = { ...entry, status: 'rejected', reason: `state changed: ${(err as Error).message}`, resolvedAt: deps.now() };
      deps.hot.update(failed);
      await deps.store.replaceEvent(deps.sessionId, { sequence, id, data: encodeLogEntry(failed) });
      await deps.onLogged(failed, room, undefined);
      return failed;
    }
    await deps.onLogged(entry, room, peerId);
    return entry;
  }

  /**
   * A critical intent is logged as awaiting approval and put in the durable
   * queue — the queue record first, so a crash in between leaves a record
   * without an entry (dropped on load), never an entry the GM cannot see ([EL13]).
   */
  private async enqueueApproval(pending: PendingApproval, room: Room, peerId: number | undefined): Promise<void> {
    const { deps } = this;
    try {
      await deps.store.putApproval(deps.sessionId, { id: pending.entry.event.id, data: encodePendingApproval(pending) });
    } catch (err) {
      throw new LogUnavailableError(`approval queue write failed: ${String(err)}`);
    }
    await this.append(pending.entry);
    deps.hot.push(pending.entry);
    this.approvals.add(pending);
    await deps.onLogged(pending.entry, room, peerId);
    deps.onApprovalRequested(pending, room);
  }

  /**
   * The GM's decision ([EL14]). Approving re-validates the intent against the
   * state now and recomputes its effect (or, edited, checks the GM's patch
   * with the game system); the decision is logged as its own event, whose
   * patch is what gets applied; then the original entry's status changes.
   */
  private async resolveApproval(
    requestId: string,
    decision: ApprovalDecisionPayload,
    gm: IntentContext,
    room: Room,
    reader: StateReader,
    gmRoom: Room | null,
  ): Promise<Ack> {
    const { deps } = this;
    const pending = this.approvals.get(decision.sequence);
    if (pending === undefined) return this.alreadyResolved(requestId, decision);
    const target = pending.entry;
    const approve = decision.decision === 'approve';
    let patch: JsonPatchOp[] = [];
    let gmPatch: JsonPatchOp[] | undefined;
    let audience: LogAudience = target.audience ?? 'all';
    let edited = false;
    if (approve) {
      const definition = deps.intents.get(target.event.type);
      if (definition === undefined) return rejection(requestId, RejectReason.UnknownType, `${target.event.type} is no longer known`);
      const requesterRole = await deps.roleOf(target.event.userId);
      // The requester's rules see the GM doc only if the requester is a GM, as when the intent arrived ([EL16]).
      const hidden = requesterRole === 'gm' && gmRoom !== null ? createDocReader(gmRoom.doc, GM_DOC_SCHEMA) : undefined;
      const requester: IntentContext = {
        userId: target.event.userId,
        sessionId: deps.sessionId,
        timestamp: deps.now(),
        ...(requesterRole ? { role: requesterRole } : {}),
        ...(hidden ? { gm: hidden } : {}),
      };
      try {
        if (decision.patch !== undefined) {
          const plugin = this.pluginFor(target.event.type);
          const verdict = plugin
            ? plugin.validateStateChange({ event: target.event, patch: decision.patch }, reader, gm)
            : { ok: true as const };
          if (!verdict.ok) return rejection(requestId, verdict.reason, `edited effect refused: ${verdict.detail}`);
          patch = decision.patch.slice();
          edited = true;
        } else {
          const still = definition.validate(target.event.payload, reader, requester);
          if (!still.ok) return rejection(requestId, RejectReason.RuleViolation, `no longer valid: ${still.detail}`);
          const effects = effectsOf(definition, target.event, reader, hidden);
          patch = effects.table;
          gmPatch = effects.gm;
          if (effects.audience === 'gm') audience = 'gm';
        }
      } catch (err) {
        return this.handlerFailed(requestId, target.event.type, err);
      }
    }
    const sequence = (await this.latest()) + 1;
    const payload = {
      sequence: target.event.sequence,
      id: target.event.id,
      decision: approve ? 'approved' : 'denied',
      request: requestId,
      edited,
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    };
    const event: StateEvent = {
      id: resolutionIdFor(target.event.id),
      sequence,
      timestamp: gm.timestamp,
      type: APPROVAL_RESOLVE_TYPE,
      payload,
      userId: gm.userId,
      sessionId: deps.sessionId,
      checksum: payloadChecksum(payload),
    };
    // The decision on a GM-only entry is GM-only too ([EL17]).
    const resolution = await this.commit(room, entryOf(event, 'applied', patch, gmPatch, audience), undefined, gmRoom);
    if (resolution.status !== 'applied') return rejection(requestId, RejectReason.Conflict, resolution.reason ?? 'state changed');
    const settled = await this.settle(pending, resolution);
    await deps.onApprovalResolved({ target: settled, resolution, edited }, room);
    return { id: requestId, success: true, sequence };
  }

  /** Marks the original entry approved/denied and drops it from the queue; idempotent (also run on recovery). */
  private async settle(pending: PendingApproval, resolution: LogEntry): Promise<LogEntry> {
    const { deps } = this;
    const p = resolution.event.payload as { decision: 'approved' | 'denied'; reason?: string };
    const settled: LogEntry = {
      ...pending.entry,
      status: p.decision,
      resolvedBy: resolution.event.userId,
      resolvedAt: resolution.event.timestamp,
      ...(p.reason !== undefined ? { reason: p.reason } : {}),
    };
    const { sequence, id } = settled.event;
    await deps.store.replaceEvent(deps.sessionId, { sequence, id, data: encodeLogEntry(settled) });
    await deps.store.deleteApproval(deps.sessionId, id);
    this.approvals.remove(sequence);
    deps.hot.update(settled);
    return settled;
  }

  /** A decision on something no longer pending: the same decision again succeeds, another one conflicts. */
  private async alreadyResolved(requestId: string, decision: ApprovalDecisionPayload): Promise<Ack> {
    const { store, sessionId } = this.deps;
    const [target] = await store.readEvents(sessionId, decision.sequence, 1);
    const entry = target && target.sequence === decision.sequence ? decodeLogEntry(target.data) : null;
    if (entry === null) return rejection(requestId, RejectReason.RuleViolation, `no entry #${decision.sequence}`);
    const stored = await store.eventById(sessionId, resolutionIdFor(entry.event.id));
    if (stored === null) return rejection(requestId, RejectReason.RuleViolation, `#${decision.sequence} is not waiting for approval`);
    const resolution = decodeLogEntry(stored.data);
    const decided = (resolution.event.payload as { decision: string }).decision;
    if (decided === (decision.decision === 'approve' ? 'approved' : 'denied')) {
      return { id: requestId, success: true, sequence: resolution.event.sequence };
    }
    return rejection(requestId, RejectReason.Conflict, `#${decision.sequence} was already ${decided} by ${resolution.event.userId}`);
  }

  /** A rule handler that throws is a bug in that intent type, not in the caller: reject, log, go on. */
  private handlerFailed(id: string, type: string, err: unknown): Ack {
    this.deps.logger.error({ sessionId: this.deps.sessionId, type, err: String(err), stack: (err as Error).stack }, 'intent handler threw');
    return rejection(id, RejectReason.RuleViolation, `${type} could not be evaluated: ${(err as Error).message}`);
  }

  /** Logs an event (and its id) durably, then advances the sequence. */
  private async append(entry: LogEntry): Promise<void> {
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
   * Runs when the table room loads, before anyone syncs: re-applies logged
   * events whose effects the doc lacks — a crash after the log append but
   * before the doc update was stored ([EL9]) — and reloads the approval queue,
   * finishing any decision a crash interrupted ([EL13]).
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
        // An approved request's effects are its resolution entry's patch (logged after it), never its predicted one.
        if (entry.status === 'applied') {
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
    await this.loadApprovals();
    return replayed;
  }

  /**
   * Runs when the GM room loads, before anyone syncs ([EL18]): re-applies the
   * GM-doc part of every applied entry after the GM doc's own
   * `/meta/sequence`, then records how far it looked, so each document
   * recovers exactly what it lacks whatever the other one holds. Approved
   * requests are not replayed: their effects are their resolution entry's.
   */
  async recoverGm(room: Room): Promise<number> {
    const { store, sessionId, logger } = this.deps;
    let checked = appliedSequence(room.doc);
    const last = await store.lastSequence(sessionId);
    let replayed = 0;
    while (checked < last) {
      const page = await store.readEvents(sessionId, checked + 1, 100);
      if (page.length === 0) break;
      for (const stored of page) {
        const entry = decodeLogEntry(stored.data);
        if (entry.status === 'applied' && hasGmEffects(entry)) {
          try {
            if (applyGmEffects(room.doc, entry)) replayed++;
          } catch (err) {
            logger.error({ sessionId, sequence: entry.event.sequence, err: String(err) }, 'logged GM-doc effect no longer applies');
          }
        }
        checked = entry.event.sequence;
      }
    }
    markChecked(room.doc, checked, RECOVERY_ORIGIN);
    if (replayed > 0) logger.warn({ sessionId, replayed }, 'recovered event effects missing from the GM doc');
    return replayed;
  }

  private async loadApprovals(): Promise<void> {
    const { store, sessionId } = this.deps;
    for (const record of await store.listApprovals(sessionId)) {
      const pending = decodePendingApproval(record.data);
      if (this.approvals.get(pending.entry.event.sequence) !== undefined) continue;
      if ((await store.eventById(sessionId, record.id)) === null) {
        // The queue record was written but the entry never was: the intent was never acked.
        await store.deleteApproval(sessionId, record.id);
        continue;
      }
      const resolution = await store.eventById(sessionId, resolutionIdFor(record.id));
      if (resolution !== null) {
        await this.settle(pending, decodeLogEntry(resolution.data));
        continue;
      }
      this.approvals.add(pending);
    }
  }
}

export function ackFor(entry: LogEntry): Ack {
  switch (entry.status) {
    case 'rejected':
      return rejection(entry.event.id, RejectReason.Conflict, entry.reason ?? 'rejected');
    case 'denied':
      return rejection(entry.event.id, RejectReason.Denied, entry.reason ?? 'denied by the GM');
    case 'awaiting-approval':
      return { id: entry.event.id, success: true, sequence: entry.event.sequence, status: 'awaiting-approval' };
    default:
      return { id: entry.event.id, success: true, sequence: entry.event.sequence };
  }
}
