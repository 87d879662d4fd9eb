import {
  type ApprovalRequest,
  type ApprovalResolution,
  type LogEntry,
  type SessionRole,
} from '@dungeon-lab/events';
import { Feature, encodeMessage } from '@dungeon-lab/protocol';
import { type BusChannel, type BusHandler, type RoomBus, sessionChannel } from '../bus/room-bus.ts';
import type { Logger } from '../logger.ts';
import type { RoomMember } from '../room-member.ts';
import type { ResolvedApproval } from './approval-desk.ts';
import { type Viewer, isPublic, mayRead, viewFor } from './audience.ts';
import type { EventLogNotice, SocketRef } from './event-log-notice.ts';

/** What the fan-out needs of a session's table room on this process; implemented by Room. */
export interface NoticeRoom {
  listen(channel: BusChannel, handler: BusHandler): void;
  broadcast(message: Uint8Array, feature: number, exceptPeerId?: number): void;
  sendEach(feature: number, except: number | undefined, frameFor: (member: RoomMember) => Promise<Uint8Array | null>): Promise<void>;
}

export interface EventLogFanOutOptions {
  readonly bus: RoomBus;
  /** The user's role in a session, null for non-members. */
  readonly roleOf: (sessionId: string, userId: string) => Promise<SessionRole | null>;
  readonly logger: Logger;
}

/**
 * How a session's event-log sockets hear of the log ([EL2], [EL13], [EL14],
 * [EL17]): the sequencer publishes notices on the room bus, and on every
 * process the session's table room, subscribed to them, gives each of its
 * event-log sockets what that socket may read.
 */
export class EventLogFanOut {
  readonly #opts: EventLogFanOutOptions;

  constructor(opts: EventLogFanOutOptions) {
    this.#opts = opts;
  }

  /** Tells the session of a logged entry; resolves once this process's sockets have it, so entries keep log order ([EL17]). */
  publishApplied(sessionId: string, entry: LogEntry, sender: SocketRef | undefined): Promise<void> {
    return this.#opts.bus.publish({ kind: 'event-log', sessionId, notice: { kind: 'applied', entry, sender: sender ?? null } });
  }

  publishApprovalRequested(sessionId: string, approvals: readonly ApprovalRequest[]): Promise<void> {
    return this.#opts.bus.publish({ kind: 'event-log', sessionId, notice: { kind: 'approval-requested', approvals } });
  }

  publishApprovalResolved(sessionId: string, { target, resolution, edited }: ResolvedApproval): Promise<void> {
    const decided: ApprovalResolution = {
      sequence: target.event.sequence,
      id: target.event.id,
      decision: target.status === 'approved' ? 'approved' : 'denied',
      resolvedBy: resolution.event.userId,
      resolutionSequence: resolution.event.sequence,
      edited,
      ...(target.reason !== undefined ? { reason: target.reason } : {}),
    };
    return this.#opts.bus.publish({ kind: 'event-log', sessionId, notice: { kind: 'approval-resolved', target, resolution: decided } });
  }

  /** Subscribes a table room of the session to its notices, for as long as the room is loaded. */
  attach(sessionId: string, room: NoticeRoom): void {
    room.listen(sessionChannel(sessionId), (message) => (message.kind === 'event-log' ? this.#deliver(sessionId, room, message.notice) : undefined));
  }

  /** The role of a member, looked up when it matters (roles change; the membership cache makes this cheap). */
  async viewerOf(sessionId: string, member: RoomMember): Promise<Viewer> {
    const { userId } = member.peer;
    const role = await this.#opts.roleOf(sessionId, userId).catch((err: unknown) => {
      // Unknown counts as a player: a failed lookup may hide an entry from a GM, never show one to a player.
      this.#opts.logger.error({ sessionId, err: String(err) }, 'role lookup failed');
      return null;
    });
    return { userId, role };
  }

  #deliver(sessionId: string, room: NoticeRoom, notice: EventLogNotice): void | Promise<void> {
    switch (notice.kind) {
      case 'applied':
        return this.#deliverApplied(sessionId, room, notice);
      case 'approval-requested': {
        // Players never see the queue.
        const frame = encodeMessage({ type: 'approval-requested', approvals: notice.approvals.slice() });
        return room.sendEach(Feature.EventLog, undefined, async (member) => ((await this.viewerOf(sessionId, member)).role === 'gm' ? frame : null));
      }
      case 'approval-resolved': {
        const frame = encodeMessage({ type: 'approval-resolved', resolutions: [notice.resolution] });
        if (isPublic(notice.target)) return room.broadcast(frame, Feature.EventLog);
        // A decision on an entry a player may not read goes only to those who may ([EL17]).
        return room.sendEach(Feature.EventLog, undefined, async (member) => (mayRead(notice.target, await this.viewerOf(sessionId, member)) ? frame : null));
      }
    }
  }

  /**
   * `event-applied` to the session's event-log sockets but the sender's
   * ([EL17]). An entry for everyone without GM-doc effects is one frame for
   * all; any other is sent per member as that member may read it.
   */
  #deliverApplied(sessionId: string, room: NoticeRoom, { entry, sender }: Extract<EventLogNotice, { kind: 'applied' }>): void | Promise<void> {
    const except = sender !== null && sender.process === this.#opts.bus.process ? sender.socket : undefined;
    if (isPublic(entry)) return room.broadcast(encodeMessage({ type: 'event-applied', entries: [entry] }), Feature.EventLog, except);
    // Three possible views (whole, without gmPatch, redacted): each encoded once.
    const frames = new Map<string, Uint8Array>();
    return room.sendEach(Feature.EventLog, except, async (member) => {
      const view = viewFor(entry, await this.viewerOf(sessionId, member));
      const key = view === entry ? 'whole' : 'redacted' in view ? 'redacted' : 'visible';
      let frame = frames.get(key);
      if (frame === undefined) {
        frame = encodeMessage({ type: 'event-applied', entries: [view] });
        frames.set(key, frame);
      }
      return frame;
    });
  }
}
