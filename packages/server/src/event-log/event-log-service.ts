import { getRandomValues } from 'node:crypto';
import {
  type Ack,
  type ApprovalRequest,
  type ApprovalResolution,
  type IntentRegistry,
  type JsonObject,
  type LogEntry,
  type SessionRole,
  TABLE_DOC_SCHEMA,
  createDocReader,
  projectDoc,
} from '@dungeon-lab/events';
import type { GameSystemPlugin } from '@dungeon-lab/plugin-api';
import { Feature, RejectReason, encodeMessage } from '@dungeon-lab/protocol';
import type { ResolvedOptions } from '../options.ts';
import type { Room, RoomMember } from '../room.ts';
import type { RoomRegistry } from '../room-registry.ts';
import { appliedSequence } from './apply-effects.ts';
import { HotLog } from './hot-log.ts';
import { decodeLogEntry } from './log-codec.ts';
import { RateLimiter } from './rate-limiter.ts';
import { sessionOfTableRoom, tableRoom } from './session-rooms.ts';
import type { PendingApproval } from './approval-queue.ts';
import { LogUnavailableError, type ResolvedApproval, SessionSequencer } from './session-sequencer.ts';

/** A gap larger than this is not replayed: the client relies on the Yjs sync instead ([EL5]). */
export const MAX_REPLAY_GAP = 100;
const MAX_PAGE = 1000;

const randomWords = new Uint32Array(2);

/** Server randomness for dice: 53 uniform bits in [0, 1) from the OS CSPRNG, so no client can predict rolls. */
export function secureRandom(): number {
  getRandomValues(randomWords);
  return (randomWords[0]! * 2 ** 21 + (randomWords[1]! >>> 11)) / 2 ** 53;
}

export interface EventPage {
  readonly entries: LogEntry[];
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
  private readonly rate: RateLimiter;
  private readonly sweepTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly registry: RoomRegistry,
    private readonly intents: IntentRegistry,
    private readonly plugins: ReadonlyMap<string, GameSystemPlugin>,
    /** The user's role in a session, null for non-members. */
    private readonly roleOf: (sessionId: string, userId: string) => Promise<SessionRole | null>,
  ) {
    this.rate = new RateLimiter(opts.eventLog.rateLimit);
    this.sweepTimer = setInterval(() => this.sweep(), 60_000);
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
        releaseRoom: (room) => this.registry.release(room),
        onLogged: (entry, room, exceptPeerId) => this.broadcastApplied(entry, room, exceptPeerId),
        onApprovalRequested: (pending, room) => this.notifyGms(sessionId, room, [pending]),
        onApprovalResolved: (resolved, room) => this.broadcastResolved(room, resolved),
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
    if (sessionId === null) return;
    await this.sequencer(sessionId).recover(room);
  }

  private broadcastApplied(entry: LogEntry, room: Room, exceptPeerId: number | undefined): void {
    const frame = encodeMessage({ type: 'event-applied', entries: [entry] });
    room.broadcast(frame, Feature.EventLog, exceptPeerId);
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
      void this.roleOf(sessionId, member.peer.userId).then(
        (role) => {
          if (role === 'gm' && room.members.has(member)) room.sendTo(member, frame);
        },
        (err: unknown) => this.opts.logger.error({ sessionId, err: String(err) }, 'role lookup failed'),
      );
    }
  }

  private broadcastResolved(room: Room, { target, resolution, edited }: ResolvedApproval): void {
    const r: ApprovalResolution = {
      sequence: target.event.sequence,
      id: target.event.id,
      decision: target.status === 'approved' ? 'approved' : 'denied',
      resolvedBy: resolution.event.userId,
      resolutionSequence: resolution.event.sequence,
      edited,
      ...(target.reason !== undefined ? { reason: target.reason } : {}),
    };
    room.broadcast(encodeMessage({ type: 'approval-resolved', resolutions: [r] }), Feature.EventLog);
  }

  /** The open approval queue of a session, as the GM sees it. */
  async pendingApprovals(sessionId: string): Promise<ApprovalRequest[]> {
    const seq = this.sequencer(sessionId);
    return seq.run(async (room) => seq.approvals.list().map((p) => this.approvalView(p, room)));
  }

  async roleIn(sessionId: string, userId: string): Promise<SessionRole | null> {
    return this.roleOf(sessionId, userId);
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
      seq.submit(raw, member.peer.userId, member.peer.id).then(
        (ack) => reply([ack]),
        (err: unknown) => {
          // No ack: the client's retry resends it and dedupe keeps it exactly-once.
          this.opts.logger.error({ sessionId, err: String(err) }, 'intent not processed');
        },
      );
    }
  }

  /** A catch-up read on a socket ([EL5]). */
  handleCatchUp(member: RoomMember, room: Room, from: number): void {
    const sessionId = sessionOfTableRoom(room.name);
    if (sessionId === null) return;
    void this.catchUpFrame(sessionId, from).then(
      (frame) => room.sendTo(member, frame),
      (err: unknown) => this.opts.logger.error({ sessionId, err: String(err) }, 'catch-up read failed'),
    );
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

  private async catchUpFrame(sessionId: string, from: number): Promise<Uint8Array> {
    const latest = await this.sequencer(sessionId).latest();
    if (latest - from + 1 > MAX_REPLAY_GAP) {
      return encodeMessage({ type: 'catch-up-response', entries: [], latest, skipped: true });
    }
    const { entries } = await this.readEvents(sessionId, from, MAX_REPLAY_GAP);
    return encodeMessage({ type: 'catch-up-response', entries, latest, skipped: false });
  }

  /** Intents over HTTP: same pipeline and dedupe as sockets, acks in input order. */
  async submit(sessionId: string, userId: string, intents: readonly unknown[]): Promise<Ack[]> {
    const seq = this.sequencer(sessionId);
    const acks: Ack[] = [];
    for (const raw of intents) acks.push(await seq.submit(raw, userId));
    return acks;
  }

  async readEvents(sessionId: string, from: number, limit: number): Promise<EventPage> {
    const size = Math.max(1, Math.min(limit, MAX_PAGE));
    const start = Math.max(1, from);
    const latest = await this.sequencer(sessionId).latest();
    // The hot log is contiguous up to the latest entry, so when it covers `start` it has the whole page.
    const entries =
      this.hotLog(sessionId).range(start, size) ??
      (await this.opts.store.readEvents(sessionId, start, size)).map((s) => decodeLogEntry(s.data));
    const last = entries.at(-1)?.event.sequence ?? start - 1;
    return { entries, next: last < latest ? last + 1 : null };
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

function idOf(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 64) : '';
}

function notHere(raw: unknown): Ack {
  return { id: idOf(raw), success: false, reason: RejectReason.PermissionDenied, detail: 'intents are accepted on a session table room only' };
}

export { LogUnavailableError };
