import { getRandomValues } from 'node:crypto';
import {
  type Ack,
  type ApprovalRequest,
  type ApprovalResolution,
  type IntentRegistry,
  type JsonObject,
  type LogEntry,
  type LogEntryView,
  type SessionRole,
  TABLE_DOC_SCHEMA,
  createDocReader,
  projectDoc,
} from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { Feature, RejectReason, encodeMessage } from '@dungeon-lab/protocol';
import { type Audit, AuditAction, clip, noAudit } from '../audit/audit-entry.ts';
import { detach, guarded } from '../boundary.ts';
import { KeyedBuckets } from '../limits/token-bucket.ts';
import type { ResolvedOptions } from '../options.ts';
import type { Room, RoomMember } from '../room.ts';
import type { RoomRegistry } from '../room-registry.ts';
import { appliedSequence } from './apply-effects.ts';
import { type Viewer, isPublic, mayRead, viewFor } from './audience.ts';
import { HotLog } from './hot-log.ts';
import { decodeLogEntry } from './log-codec.ts';
import { gmRoom, sessionOfGmRoom, sessionOfTableRoom, tableRoom } from './session-rooms.ts';
import type { PendingApproval } from './approval-queue.ts';
import { LogUnavailableError, type ResolvedApproval, SessionSequencer, idOf } from './session-sequencer.ts';

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

/**
 * The event-log sidecar of every session: routes intents from sockets and
 * HTTP to the session's sequencer, answers catch-up reads, and replays missing
 * effects when a table room loads.
 */
export class EventLogService {
  private readonly sequencers = new Map<string, SessionSequencer>();
  private readonly hotLogs = new Map<string, HotLog>();
  private readonly rate: KeyedBuckets;
  private readonly sweepTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly registry: RoomRegistry,
    private readonly intents: IntentRegistry,
    private readonly plugins: ReadonlyMap<string, GameSystemPlugin>,
    /** The user's role in a session, null for non-members. */
    private readonly roleOf: (sessionId: string, userId: string) => Promise<SessionRole | null>,
    private readonly audit: Audit = noAudit,
  ) {
    this.rate = new KeyedBuckets(opts.eventLog.rateLimit);
    this.sweepTimer = setInterval(guarded(opts.logger, 'event-log sweep failed', () => this.sweep()), 60_000);
    this.sweepTimer.unref();
  }

  sequencer(sessionId: string): SessionSequencer {
    let seq = this.sequencers.get(sessionId);
    if (seq === undefined) {
      const hot = this.hotLog(sessionId);
      seq = new SessionSequencer({
        sessionId,
        store: this.opts.store,
        intents: this.intents,
        plugins: this.plugins,
        roleOf: (userId) => this.roleOf(sessionId, userId),
        rate: this.rate,
        hot,
        logger: this.opts.logger,
        random: secureRandom,
        now: Date.now,
        maxQueued: this.opts.eventLog.maxQueuedPerSession,
        acquireRoom: () => this.registry.acquire(tableRoom(sessionId)),
        acquireGmRoom: () => this.registry.acquire(gmRoom(sessionId)),
        releaseRoom: (room) => this.registry.release(room),
        onLogged: (entry, room, exceptPeerId) => this.broadcastApplied(sessionId, entry, room, exceptPeerId),
        onApprovalRequested: (pending, room) => {
          this.notifyGms(sessionId, room, [pending]);
          this.auditApprovalRequested(sessionId, pending);
        },
        onApprovalResolved: (resolved, room) => {
          detach(this.opts.logger, 'approval broadcast failed', () => this.broadcastResolved(sessionId, room, resolved), { sessionId });
          this.auditApprovalResolved(sessionId, resolved);
        },
      });
      this.sequencers.set(sessionId, seq);
    }
    return seq;
  }

  private hotLog(sessionId: string): HotLog {
    let hot = this.hotLogs.get(sessionId);
    if (hot === undefined) {
      hot = new HotLog(this.opts.eventLog.hotEntries, this.opts.eventLog.hotMaxAgeMs);
      this.hotLogs.set(sessionId, hot);
    }
    return hot;
  }

  /** Runs when a room has loaded, before anyone can sync with it. */
  async afterRoomLoad(room: Room): Promise<void> {
    const sessionId = sessionOfTableRoom(room.name);
    if (sessionId !== null) {
      await this.sequencer(sessionId).recover(room);
      return;
    }
    const gmSession = sessionOfGmRoom(room.name);
    if (gmSession !== null) await this.sequencer(gmSession).recoverGm(room);
  }

  /** The role of each member, looked up when it matters (roles change; the membership cache makes this cheap). */
  private async viewersOf(sessionId: string, members: readonly RoomMember[]): Promise<Viewer[]> {
    return Promise.all(
      members.map(async (m) => {
        const role = await this.roleOf(sessionId, m.peer.userId).catch((err: unknown) => {
          // Unknown counts as a player: a failed lookup may hide an entry from a GM, never show one to a player.
          this.opts.logger.error({ sessionId, err: String(err) }, 'role lookup failed');
          return null;
        });
        return { userId: m.peer.userId, role };
      }),
    );
  }

  /**
   * `event-applied` to the session's other event-log sockets ([EL17]). An
   * entry for everyone without GM-doc effects is one frame for all, as before;
   * any other is sent per member as that member may read it.
   */
  private async broadcastApplied(sessionId: string, entry: LogEntry, room: Room, exceptPeerId: number | undefined): Promise<void> {
    if (isPublic(entry)) {
      room.broadcast(encodeMessage({ type: 'event-applied', entries: [entry] }), Feature.EventLog, exceptPeerId);
      return;
    }
    const members = Array.from(room.members).filter((m) => (m.peer.features & Feature.EventLog) !== 0 && m.peer.id !== exceptPeerId);
    const viewers = await this.viewersOf(sessionId, members);
    const frames = new Map<string, Uint8Array>();
    members.forEach((member, i) => {
      if (!room.members.has(member)) return;
      const view = viewFor(entry, viewers[i]!);
      // Three possible views (whole, without gmPatch, redacted): encode each once.
      const key = view === entry ? 'whole' : 'redacted' in view ? 'redacted' : 'visible';
      let frame = frames.get(key);
      if (frame === undefined) {
        frame = encodeMessage({ type: 'event-applied', entries: [view] });
        frames.set(key, frame);
      }
      room.sendTo(member, frame);
    });
  }

  /** What the GM sees of a pending critical intent: requester, intent, predicted effect and the state now ([EL13]). */
  private approvalView(pending: PendingApproval, room: Room): ApprovalRequest {
    const reader = createDocReader(room.doc, TABLE_DOC_SCHEMA);
    const current: Record<string, ReturnType<typeof reader.get> | null> = {};
    for (const entity of pending.entities) current[entity] = reader.get(entity) ?? null;
    return { entry: pending.entry, summary: pending.summary, current } as ApprovalRequest;
  }

  /** Sends pending approvals to the GMs among the room's event-log sockets (players never see the queue). */
  private notifyGms(sessionId: string, room: Room, pending: readonly PendingApproval[], only?: RoomMember): void {
    if (pending.length === 0) return;
    const frame = encodeMessage({ type: 'approval-requested', approvals: pending.map((p) => this.approvalView(p, room)) });
    const targets = only ? [only] : Array.from(room.members);
    for (const member of targets) {
      if ((member.peer.features & Feature.EventLog) === 0) continue;
      detach(this.opts.logger, 'approval notice failed', async () => {
        const role = await this.roleOf(sessionId, member.peer.userId);
        if (role === 'gm' && room.members.has(member)) room.sendTo(member, frame);
      }, { sessionId });
    }
  }

  private async broadcastResolved(sessionId: string, room: Room, { target, resolution, edited }: ResolvedApproval): Promise<void> {
    const r: ApprovalResolution = {
      sequence: target.event.sequence,
      id: target.event.id,
      decision: target.status === 'approved' ? 'approved' : 'denied',
      resolvedBy: resolution.event.userId,
      resolutionSequence: resolution.event.sequence,
      edited,
      ...(target.reason !== undefined ? { reason: target.reason } : {}),
    };
    const frame = encodeMessage({ type: 'approval-resolved', resolutions: [r] });
    if (isPublic(target)) {
      room.broadcast(frame, Feature.EventLog);
      return;
    }
    // A decision on an entry a player may not read goes only to those who may ([EL17]).
    const members = Array.from(room.members).filter((m) => (m.peer.features & Feature.EventLog) !== 0);
    const viewers = await this.viewersOf(sessionId, members);
    members.forEach((member, i) => {
      if (room.members.has(member) && mayRead(target, viewers[i]!)) room.sendTo(member, frame);
    });
  }

  private auditApprovalRequested(sessionId: string, { entry, summary }: PendingApproval): void {
    this.audit.record(sessionId, {
      actor: entry.event.userId,
      action: AuditAction.ApprovalRequested,
      outcome: 'ok',
      target: `#${entry.event.sequence}`,
      detail: clip(summary),
      data: { type: entry.event.type, sequence: entry.event.sequence },
    });
  }

  private auditApprovalResolved(sessionId: string, { target, resolution, edited }: ResolvedApproval): void {
    this.audit.record(sessionId, {
      actor: resolution.event.userId,
      action: AuditAction.ApprovalResolved,
      outcome: 'ok',
      target: `#${target.event.sequence}`,
      data: { decision: target.status, requester: target.event.userId, type: target.event.type, edited, sequence: resolution.event.sequence },
    });
  }

  /** Intents refused for who sent them, not for what they said, are permission denials ([AL1]). */
  private auditRefusals(sessionId: string, userId: string, raws: readonly unknown[], acks: readonly Ack[]): void {
    acks.forEach((ack, i) => {
      if (ack.success || ack.reason !== RejectReason.PermissionDenied) return;
      const type = (raws[i] as { type?: unknown } | null)?.type;
      this.audit.record(sessionId, {
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
  async pendingApprovals(sessionId: string): Promise<ApprovalRequest[]> {
    const seq = this.sequencer(sessionId);
    return seq.run(async (room) => seq.approvals.list().map((p) => this.approvalView(p, room)));
  }

  /** Intents arriving on a socket: each is acked on that socket once processed. */
  handleIntents(member: RoomMember, room: Room, intents: readonly unknown[]): void {
    const sessionId = sessionOfTableRoom(room.name);
    const reply = (acks: Ack[]) => room.sendTo(member, encodeMessage({ type: 'intent-ack', acks }));
    if (sessionId === null) {
      reply(intents.map((raw) => notHere(raw)));
      return;
    }
    if (intents.length > this.opts.eventLog.maxIntentsPerMessage) {
      reply(intents.map((raw) => ({ id: idOf(raw), success: false, reason: RejectReason.PayloadTooLarge, detail: `at most ${this.opts.eventLog.maxIntentsPerMessage} intents per message` })));
      return;
    }
    const seq = this.sequencer(sessionId);
    for (const raw of intents) {
      // A failure sends no ack: the client's retry resends the intent and dedupe keeps it exactly-once.
      detach(this.opts.logger, 'intent not processed', async () => {
        const ack = await seq.submit(raw, member.peer.userId, member.peer.id);
        reply([ack]);
        this.auditRefusals(sessionId, member.peer.userId, [raw], [ack]);
      }, { sessionId });
    }
  }

  /** A catch-up read on a socket ([EL5]). */
  handleCatchUp(member: RoomMember, room: Room, from: number): void {
    const sessionId = sessionOfTableRoom(room.name);
    if (sessionId === null) return;
    detach(this.opts.logger, 'catch-up read failed', async () => room.sendTo(member, await this.catchUpFrame(sessionId, member.peer.userId, from)), {
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
    this.notifyGms(sessionId, room, this.sequencer(sessionId).approvals.list(), member);
  }

  private async catchUpFrame(sessionId: string, userId: string, from: number): Promise<Uint8Array> {
    const latest = await this.sequencer(sessionId).latest();
    if (latest - from + 1 > MAX_REPLAY_GAP) {
      return encodeMessage({ type: 'catch-up-response', entries: [], latest, skipped: true });
    }
    const { entries } = await this.readEvents(sessionId, userId, from, MAX_REPLAY_GAP);
    return encodeMessage({ type: 'catch-up-response', entries, latest, skipped: false });
  }

  /** Intents over HTTP: same pipeline and dedupe as sockets, acks in input order. */
  async submit(sessionId: string, userId: string, intents: readonly unknown[]): Promise<Ack[]> {
    const seq = this.sequencer(sessionId);
    const acks: Ack[] = [];
    for (const raw of intents) acks.push(await seq.submit(raw, userId));
    this.auditRefusals(sessionId, userId, intents, acks);
    return acks;
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
    const latest = await this.sequencer(sessionId).latest();
    // The hot log is contiguous up to the latest entry, so when it covers `start` it has the whole page.
    const entries =
      this.hotLog(sessionId).range(start, size) ??
      (await this.opts.store.readEvents(sessionId, start, size)).map((s) => decodeLogEntry(s.data));
    const last = entries.at(-1)?.event.sequence ?? start - 1;
    const next = last < latest ? last + 1 : null;
    if (entries.every(isPublic)) return { entries, next };
    const viewer: Viewer = { userId, role: await this.roleOf(sessionId, userId) };
    return { entries: entries.map((e) => viewFor(e, viewer)), next };
  }

  async state(sessionId: string): Promise<{ version: number; state: JsonObject }> {
    const room = await this.registry.acquire(tableRoom(sessionId));
    try {
      return { version: appliedSequence(room.doc), state: projectDoc(room.doc, TABLE_DOC_SCHEMA) };
    } finally {
      this.registry.release(room);
    }
  }

  private sweep(): void {
    this.rate.sweep();
    for (const [sessionId, seq] of this.sequencers) {
      if (seq.idle && !this.registry.isLoaded(tableRoom(sessionId))) {
        this.sequencers.delete(sessionId);
        this.hotLogs.delete(sessionId);
      }
    }
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }
}


function notHere(raw: unknown): Ack {
  return { id: idOf(raw), success: false, reason: RejectReason.PermissionDenied, detail: 'intents are accepted on a session table room only' };
}

export { LogUnavailableError };
