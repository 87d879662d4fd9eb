import { getRandomValues } from 'node:crypto';
import {
  type Ack,
  type ApprovalRequest,
  type DocSchema,
  GM_DOC_SCHEMA,
  type IntentRegistry,
  type JsonObject,
  type LogEntryView,
  type SessionRole,
  TABLE_DOC_SCHEMA,
} from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { Feature, RejectReason, encodeMessage } from '@dungeon-lab/protocol';
import type { EventLogStore, Fence } from '@dungeon-lab/store';
import { type Audit, AuditAction, clip } from '../audit/audit-entry.ts';
import { detach, guarded } from '../boundary.ts';
import type { RoomBus } from '../bus/room-bus.ts';
import type { HolderAnswer, HolderAnswers, HolderHandler, HolderInbox, HolderRequest } from '../inbox/holder-inbox.ts';
import type { SessionLease } from '../lease/session-lease.ts';
import { KeyedBuckets } from '../limits/token-bucket.ts';
import type { Logger } from '../logger.ts';
import type { Telemetry } from '../metrics/telemetry.ts';
import type { EventLogOptions } from '../options.ts';
import type { Room, RoomMember } from '../room.ts';
import type { RoomRegistry } from '../room-registry.ts';
import { LogUnavailableError, idOf } from './acks.ts';
import type { ResolvedApproval } from './approval-desk.ts';
import type { PendingApproval } from './approval-queue.ts';
import { type Viewer, isPublic, viewFor } from './audience.ts';
import { restoreCheckpoint, takeCheckpoint } from './checkpoints.ts';
import { EventLogFanOut } from './event-log-fanout.ts';
import type { SocketRef } from './event-log-notice.ts';
import { HeldSessions } from './held-sessions.ts';
import { HotLog } from './hot-log.ts';
import { decodeLogEntry } from './log-codec.ts';
import { type SessionDoc, sessionDoc } from './session-doc.ts';
import { gmRoom, sessionOfGmRoom, sessionOfTableRoom, tableRoom } from './session-rooms.ts';
import { type OpenedDoc, SessionSequencer } from './session-sequencer.ts';

/** A gap larger than this is not replayed: the client relies on the Yjs sync instead ([EL5]). */
export const MAX_REPLAY_GAP = 100;
/** Most entries one page of the log holds ([EL7]). */
export const MAX_PAGE = 1000;

const randomWords = new Uint32Array(2);

/** Server randomness for dice: 53 uniform bits in [0, 1) from the OS CSPRNG, so no client can predict rolls. */
export function secureRandom(): number {
  getRandomValues(randomWords);
  return (randomWords[0]! * 2 ** 21 + (randomWords[1]! >>> 11)) / 2 ** 53;
}

/** A page of the log as one member may read it ([EL17]). */
export interface EventPage {
  readonly entries: LogEntryView[];
  readonly next: number | null;
}

export interface EventLogServiceOptions {
  readonly store: EventLogStore;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  readonly options: EventLogOptions;
  readonly registry: RoomRegistry;
  readonly intents: IntentRegistry;
  readonly plugins: ReadonlyMap<string, GameSystemPlugin>;
  /** The user's role in a session, null for non-members. */
  readonly roleOf: (sessionId: string, userId: string) => Promise<SessionRole | null>;
  readonly audit: Audit;
  readonly bus: RoomBus;
  readonly lease: SessionLease;
  /** How intents reach the lease holder from the other processes ([IN1]..[IN7]). */
  readonly inbox: HolderInbox;
  /** Dice draws in [0, 1) ([EM14]): the OS CSPRNG unless a test fixed them. */
  readonly random: () => number;
}

/**
 * The event-log sidecar of every session: routes intents from sockets and
 * HTTP to the session's sequencer (on the process holding the session's
 * lease, [EL19]), answers catch-up reads, subscribes table rooms to the
 * log's notices and replays missing effects when a session room loads.
 */
export class EventLogService {
  readonly #opts: EventLogServiceOptions;
  readonly #held: HeldSessions;
  readonly #fanOut: EventLogFanOut;
  readonly #hotLogs = new Map<string, HotLog>();
  /** When each sequencer's claim on its log resolved (`performance.now()`): copies read before it catch up first ([EL24]). */
  readonly #claimedAt = new WeakMap<SessionSequencer, number>();
  readonly #rate: KeyedBuckets;
  readonly #sweepTimer: ReturnType<typeof setInterval>;

  constructor(opts: EventLogServiceOptions) {
    this.#opts = opts;
    this.#rate = new KeyedBuckets(opts.options.rateLimit);
    this.#fanOut = new EventLogFanOut({ bus: opts.bus, roleOf: opts.roleOf, logger: opts.logger });
    this.#held = new HeldSessions({
      lease: opts.lease,
      inbox: opts.inbox,
      logger: opts.logger,
      telemetry: opts.telemetry,
      start: (sessionId) => this.#start(sessionId),
      serve: (sequencer) => ((request) => this.#answer(sequencer, request)) as HolderHandler,
      onLost: (sessionId) => {
        this.#hotLogs.delete(sessionId);
        // Effects this process wrote and has not stored are the next holder's to replay ([EL23]).
        for (const name of [tableRoom(sessionId), gmRoom(sessionId)]) opts.registry.retireUnstored(name);
      },
    });
    this.#sweepTimer = setInterval(guarded(opts.logger, 'event-log sweep failed', () => this.#sweep()), 60_000);
    this.#sweepTimer.unref();
  }

  /**
   * A sequencer for a session whose lease this process has just taken. It
   * first claims the session's log ([EL24]): from then on the last holder's
   * writes are refused, and whatever it stored before is there to read. The
   * session's documents loaded here are recovered from the log at once: they
   * may lack what another holder logged ([EL9], [EL18]).
   */
  async #start(sessionId: string): Promise<SessionSequencer> {
    const opts = this.#opts;
    const fence: Fence = { log: sessionId, epoch: await opts.store.claimFence(sessionId) };
    const claimedAt = performance.now();
    const sequencer: SessionSequencer = new SessionSequencer({
      sessionId,
      store: opts.store,
      fence,
      onFenced: () => detach(opts.logger, 'stopping a session claimed elsewhere failed', () => this.#held.drop(sequencer), { sessionId }),
      intents: opts.intents,
      plugins: opts.plugins,
      roleOf: (userId) => opts.roleOf(sessionId, userId),
      rate: this.#rate,
      hot: this.#hotLog(sessionId),
      logger: opts.logger,
      telemetry: opts.telemetry,
      random: opts.random,
      now: Date.now,
      maxQueued: opts.options.maxQueuedPerSession,
      openTable: () => this.#open(tableRoom(sessionId), TABLE_DOC_SCHEMA, fence),
      openGm: () => this.#open(gmRoom(sessionId), GM_DOC_SCHEMA, fence),
      onLogged: (entry, sender) => this.#fanOut.publishApplied(sessionId, entry, sender),
      onApprovalRequested: (pending, table) => {
        detach(opts.logger, 'approval notice failed', () => this.#fanOut.publishApprovalRequested(sessionId, [approvalView(pending, table)]), { sessionId });
        this.#auditApprovalRequested(sessionId, pending);
      },
      onApprovalResolved: (resolved) => {
        detach(opts.logger, 'approval broadcast failed', () => this.#fanOut.publishApprovalResolved(sessionId, resolved), { sessionId });
        this.#auditApprovalResolved(sessionId, resolved);
      },
    });
    this.#claimedAt.set(sequencer, claimedAt);
    await this.#recoverLoaded(tableRoom(sessionId), TABLE_DOC_SCHEMA, fence, (doc) => sequencer.recoverTable(doc));
    await this.#recoverLoaded(gmRoom(sessionId), GM_DOC_SCHEMA, fence, (doc) => sequencer.recoverGm(doc));
    return sequencer;
  }

  /**
   * Recovers a session room that is loaded already; one still loading
   * recovers in `afterRoomLoad`. Loaded here while another process held the
   * session, it first takes in what the store holds ([EL21]).
   */
  async #recoverLoaded(name: string, schema: DocSchema, fence: Fence, recover: (doc: SessionDoc) => Promise<number>): Promise<void> {
    const room = this.#opts.registry.acquireLoaded(name);
    if (room === null) return;
    try {
      await room.catchUpFromStore();
      await recover(sessionDoc(room.doc, schema, fence));
    } finally {
      this.#opts.registry.release(room);
    }
  }

  /** A session room, loaded through the registry and held until released. */
  async #open(name: string, schema: DocSchema, fence?: Fence): Promise<OpenedDoc> {
    const { registry } = this.#opts;
    const room = await registry.acquire(name);
    return { doc: sessionDoc(room.doc, schema, fence), release: () => registry.release(room) };
  }

  #hotLog(sessionId: string): HotLog {
    let hot = this.#hotLogs.get(sessionId);
    if (hot === undefined) {
      hot = new HotLog(this.#opts.options.hotEntries, this.#opts.options.hotMaxAgeMs);
      this.#hotLogs.set(sessionId, hot);
    }
    return hot;
  }

  /**
   * Runs when a room has loaded, before anyone can sync with it: a table
   * room subscribes to the session's notices, and a session document is
   * recovered by the process that sequences the session.
   */
  async afterRoomLoad(room: Room): Promise<void> {
    const sessionId = sessionOfTableRoom(room.name);
    if (sessionId !== null) {
      this.#fanOut.attach(sessionId, room);
      const sequencer = await this.#claimed(sessionId, room);
      await sequencer?.recoverTable(sessionDoc(room.doc, TABLE_DOC_SCHEMA, sequencer.fence));
      return;
    }
    const gmSession = sessionOfGmRoom(room.name);
    if (gmSession === null) return;
    const sequencer = await this.#claimed(gmSession, room);
    await sequencer?.recoverGm(sessionDoc(room.doc, GM_DOC_SCHEMA, sequencer.fence));
  }

  /**
   * The session's sequencer if this process holds it, with `room` holding
   * everything stored before the claim ([EL24]): read before the claim
   * resolved, the copy may lack effects the last holder stored since, which
   * recovery would then write a second time.
   */
  async #claimed(sessionId: string, room: Room): Promise<SessionSequencer | null> {
    const sequencer = await this.#held.acquire(sessionId);
    if (sequencer === null) return null;
    if (room.readAt < (this.#claimedAt.get(sequencer) ?? Infinity)) await room.catchUpFromStore();
    return sequencer;
  }

  /** Highest sequence in the session's log: the sequencer's when this process holds it, else the store's. */
  #latest(sessionId: string): Promise<number> {
    return this.#held.held(sessionId)?.latest() ?? this.#opts.store.lastSequence(sessionId);
  }

  #auditApprovalRequested(sessionId: string, { entry, summary }: PendingApproval): void {
    this.#opts.audit.record(sessionId, {
      actor: entry.event.userId,
      action: AuditAction.ApprovalRequested,
      outcome: 'ok',
      target: `#${entry.event.sequence}`,
      detail: clip(summary),
      data: { type: entry.event.type, sequence: entry.event.sequence },
    });
  }

  #auditApprovalResolved(sessionId: string, { target, resolution, edited }: ResolvedApproval): void {
    this.#opts.audit.record(sessionId, {
      actor: resolution.event.userId,
      action: AuditAction.ApprovalResolved,
      outcome: 'ok',
      target: `#${target.event.sequence}`,
      data: { decision: target.status, requester: target.event.userId, type: target.event.type, edited, sequence: resolution.event.sequence },
    });
  }

  /** Intents refused for who sent them, not for what they said, are permission denials ([AL1]). */
  #auditRefusals(sessionId: string, userId: string, raws: readonly unknown[], acks: readonly Ack[]): void {
    acks.forEach((ack, i) => {
      if (ack.success || ack.reason !== RejectReason.PermissionDenied) return;
      const type = (raws[i] as { type?: unknown } | null)?.type;
      this.#opts.audit.record(sessionId, {
        actor: userId,
        action: AuditAction.IntentRefused,
        outcome: 'denied',
        target: typeof type === 'string' ? clip(type) : 'intent',
        ...(ack.detail === undefined ? {} : { detail: clip(ack.detail) }),
        data: { intentId: ack.id },
      });
    });
  }

  /** The open approval queue of a session, as the GM sees it. */
  pendingApprovals(sessionId: string): Promise<ApprovalRequest[]> {
    return this.onHolder({ kind: 'approvals', sessionId });
  }

  /** Intents arriving on a socket: each is acked on that socket once processed. */
  handleIntents(member: RoomMember, room: Room, intents: readonly unknown[]): void {
    const sessionId = sessionOfTableRoom(room.name);
    const reply = (acks: Ack[]) => room.sendTo(member, encodeMessage({ type: 'intent-ack', acks }));
    if (sessionId === null) {
      reply(intents.map((raw) => notHere(raw)));
      return;
    }
    const { maxIntentsPerMessage } = this.#opts.options;
    if (intents.length > maxIntentsPerMessage) {
      reply(intents.map((raw) => ({ id: idOf(raw), success: false, reason: RejectReason.PayloadTooLarge, detail: `at most ${maxIntentsPerMessage} intents per message` })));
      return;
    }
    const sender: SocketRef = { process: this.#opts.bus.process, socket: member.peer.id };
    for (const raw of intents) {
      // A failure sends no ack: the client's retry resends the intent and dedupe keeps it exactly-once.
      detach(this.#opts.logger, 'intent not processed', async () => {
        const acks = await this.onHolder({ kind: 'intents', sessionId, userId: member.peer.userId, sender, intents: [raw] });
        reply(acks);
        this.#auditRefusals(sessionId, member.peer.userId, [raw], acks);
      }, { sessionId });
    }
  }

  /** A catch-up read on a socket ([EL5]). */
  handleCatchUp(member: RoomMember, room: Room, from: number): void {
    const sessionId = sessionOfTableRoom(room.name);
    if (sessionId === null) return;
    detach(this.#opts.logger, 'catch-up read failed', async () => room.sendTo(member, await this.#catchUpFrame(sessionId, member.peer.userId, from)), {
      sessionId,
    });
  }

  /**
   * A socket (re)joined a table room knowing entries up to `lastSeen`: send
   * what it missed, and a GM the open approval queue (it survives GM reloads).
   */
  onJoin(member: RoomMember, room: Room, lastSeen: number | null): void {
    if ((member.peer.features & Feature.EventLog) === 0) return;
    const sessionId = sessionOfTableRoom(room.name);
    if (sessionId === null) return;
    if (lastSeen !== null) this.handleCatchUp(member, room, lastSeen + 1);
    // Held here, the queue is read at once, so later decisions reach the GM after it; held elsewhere, the holder reads it.
    const held = this.#held.held(sessionId);
    const table = sessionDoc(room.doc, TABLE_DOC_SCHEMA);
    const here = held?.desk.list().map((p) => approvalView(p, table));
    if (here?.length === 0) return;
    detach(this.#opts.logger, 'approval notice failed', async () => {
      const { role } = await this.#fanOut.viewerOf(sessionId, member);
      if (role !== 'gm') return;
      const approvals = here ?? (await this.pendingApprovals(sessionId));
      if (approvals.length > 0 && room.members.has(member)) room.sendTo(member, encodeMessage({ type: 'approval-requested', approvals }));
    }, { sessionId });
  }

  async #catchUpFrame(sessionId: string, userId: string, from: number): Promise<Uint8Array> {
    const latest = await this.#latest(sessionId);
    if (latest - from + 1 > MAX_REPLAY_GAP) {
      return encodeMessage({ type: 'catch-up-response', entries: [], latest, skipped: true });
    }
    const { entries } = await this.readEvents(sessionId, userId, from, MAX_REPLAY_GAP);
    return encodeMessage({ type: 'catch-up-response', entries, latest, skipped: false });
  }

  /** Intents over HTTP: same pipeline and dedupe as sockets, acks in input order. */
  async submit(sessionId: string, userId: string, intents: readonly unknown[]): Promise<Ack[]> {
    const acks = await this.onHolder({ kind: 'intents', sessionId, userId, sender: null, intents });
    this.#auditRefusals(sessionId, userId, intents, acks);
    return acks;
  }

  /**
   * Does what only the session's sequencer may: here when this process holds
   * the lease or can take it — intents submitted in this turn when the
   * sequencer runs, so they keep their arrival order — or on the process that
   * holds it, through the inbox ([EL19], [IN1]).
   */
  async onHolder<R extends HolderRequest>(request: R): Promise<HolderAnswer<R>> {
    const seq = this.#held.held(request.sessionId) ?? (await this.#held.acquire(request.sessionId));
    if (seq !== null) return this.#answer(seq, request) as Promise<HolderAnswer<R>>;
    try {
      return await this.#opts.inbox.forward(request);
    } catch (err) {
      // Nobody answered: the holder may be gone, its lease expired meanwhile — then this process takes the session over.
      if (!(err instanceof LogUnavailableError)) throw err;
      const taken = await this.#held.acquire(request.sessionId);
      if (taken === null) throw err;
      this.#opts.telemetry.lease('takeover', request.sessionId);
      return this.#answer(taken, request) as Promise<HolderAnswer<R>>;
    }
  }

  #answer(seq: SessionSequencer, request: HolderRequest): Promise<HolderAnswers[HolderRequest['kind']]> {
    switch (request.kind) {
      case 'intents':
        // Every intent queued at once, in order; acks in the same order.
        return Promise.all(request.intents.map((raw) => seq.submit(raw, request.userId, request.sender ?? undefined)));
      case 'approvals':
        return seq.run(async (table) => seq.desk.list().map((p) => approvalView(p, table)));
      case 'checkpoint-create':
        return takeCheckpoint(this.#opts.store, seq, request.name, request.userId);
      case 'checkpoint-restore':
        return restoreCheckpoint(this.#opts.store, seq, request.checkpointId, request.userId);
    }
  }


  /**
   * A page of the log as `userId` may read it ([EL17]): GMs get every entry
   * whole; players get what they may read without GM-doc patches, and a
   * `{ sequence, redacted: true }` placeholder for the rest, so paging and gap
   * detection work unchanged.
   */
  async readEvents(sessionId: string, userId: string, from: number, limit: number): Promise<EventPage> {
    const size = Math.max(1, Math.min(limit, MAX_PAGE));
    const start = Math.max(1, from);
    const latest = await this.#latest(sessionId);
    // The hot log is contiguous up to the latest entry, so when it covers `start` it has the whole page.
    const entries =
      this.#hotLog(sessionId).range(start, size) ??
      (await this.#opts.store.readEvents(sessionId, start, size)).map((s) => decodeLogEntry(s.data));
    const last = entries.at(-1)?.event.sequence ?? start - 1;
    const next = last < latest ? last + 1 : null;
    if (entries.every(isPublic)) return { entries, next };
    const viewer: Viewer = { userId, role: await this.#opts.roleOf(sessionId, userId) };
    return { entries: entries.map((e) => viewFor(e, viewer)), next };
  }

  async state(sessionId: string): Promise<{ version: number; state: JsonObject }> {
    const table = await this.#open(tableRoom(sessionId), TABLE_DOC_SCHEMA);
    try {
      return { version: table.doc.appliedSequence(), state: table.doc.project() };
    } finally {
      table.release();
    }
  }

  /** Forgets sessions nobody uses here any more: their hot logs, and the leases of idle sequencers. */
  async #sweep(): Promise<void> {
    this.#rate.sweep();
    const { registry } = this.#opts;
    for (const sessionId of this.#held.sessions()) {
      if (this.#held.held(sessionId)!.idle && !registry.isLoaded(tableRoom(sessionId))) await this.#held.release(sessionId);
    }
    for (const sessionId of this.#hotLogs.keys()) {
      if (this.#held.held(sessionId) === undefined && !registry.isLoaded(tableRoom(sessionId))) this.#hotLogs.delete(sessionId);
    }
  }

  /** Why the lease renewal loop is not running, or null when it is ([OPS2]). */
  leaseLoopProblem(): string | null {
    return this.#held.renewalProblem();
  }

  /** Stops sweeping and gives up every lease: call once the session rooms are flushed, so a next holder recovers from complete documents. */
  async close(): Promise<void> {
    clearInterval(this.#sweepTimer);
    await this.#held.close();
  }
}

/** What the GM sees of a pending critical intent: requester, intent, predicted effect and the state now ([EL13]). */
function approvalView(pending: PendingApproval, table: SessionDoc): ApprovalRequest {
  const reader = table.reader();
  const current: Record<string, ReturnType<typeof reader.get> | null> = {};
  for (const entity of pending.entities) current[entity] = reader.get(entity) ?? null;
  return { entry: pending.entry, summary: pending.summary, current } as ApprovalRequest;
}

function notHere(raw: unknown): Ack {
  return { id: idOf(raw), success: false, reason: RejectReason.PermissionDenied, detail: 'intents are accepted on a session table room only' };
}
