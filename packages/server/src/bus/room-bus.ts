import type { EventLogNotice } from '../event-log/event-log-notice.ts';
import type { MembershipChange } from '../sessions/membership.ts';

/**
 * What travels between the processes serving the same rooms ([BUS1]..[BUS7]
 * in docs/architecture.md). Room messages are published on the room's
 * channel, session messages on the session's.
 */
export type BusMessage = RoomMessage | SessionMessage;

/**
 * One room writer's running number of an update it queued for the store
 * ([OR3]). `writer` tells the writers of one process apart (each loading of
 * a room makes a new one); `seq` counts from 1 in queue order.
 */
export interface WriteTicket {
  readonly writer: number;
  readonly seq: number;
}

export type RoomMessage =
  /** A change to the room's document, as a Yjs update, queued for the store by the process that publishes it under `ticket`. */
  | { readonly kind: 'doc-update'; readonly room: string; readonly update: Uint8Array; readonly ticket: WriteTicket }
  /** Presence changes, as a y-protocols awareness update. */
  | { readonly kind: 'awareness'; readonly room: string; readonly update: Uint8Array }
  /**
   * What a durable write covered ([P6]): a Yjs state vector and delete set,
   * encoded (both empty when it held only the server's writes), and the
   * writer's last update it made durable: every ticket of that writer up to
   * `through.seq` is stored ([OR3]).
   */
  | { readonly kind: 'saved'; readonly room: string; readonly stateVector: Uint8Array; readonly deleteSet: Uint8Array; readonly through: WriteTicket }
  /**
   * What the publishing process's copy of the room holds ([OR4]): its Yjs
   * state vector, encoded, and the [P7] checksum of its state vector and
   * deletions. Peers that hold more send it what it lacks.
   */
  | { readonly kind: 'digest'; readonly room: string; readonly stateVector: Uint8Array; readonly checksum: string };

export type SessionMessage =
  /** Something the session's event-log sockets are told ([EL2], [EL13], [EL14]). */
  | { readonly kind: 'event-log'; readonly sessionId: string; readonly notice: EventLogNotice }
  /** A member's role changed, or they were removed ([A15], [A16]). */
  | { readonly kind: 'membership'; readonly change: MembershipChange };

export type BusChannel = { readonly kind: 'room'; readonly room: string } | { readonly kind: 'session'; readonly sessionId: string };

/**
 * Handles one message. `from` is the process that published it: this
 * process's own id for its own messages ([BUS3]). A returned promise is
 * awaited before `publish` resolves ([BUS7]).
 */
export type BusHandler = (message: BusMessage, from: string) => void | Promise<void>;

/** Ends one subscription; calling it again does nothing. */
export type Unsubscribe = () => void;

export interface SubscribeOptions {
  /**
   * Also delivers the channel's messages published up to this many
   * milliseconds before the subscription, as far as the bus still holds them
   * ([BUS8]). A room subscribes after it has loaded; what a peer published
   * while it loaded, or before its store write landed, comes again this way
   * (a Yjs update twice merges away). A bus that holds nothing (in-process:
   * it delivers synchronously, so nothing is in flight) ignores it.
   */
  readonly replayMs?: number;
}

/**
 * Publish/subscribe between the processes that serve the same rooms. Every
 * local fan-out goes through it: a process hears its own messages like
 * everyone else's, so one process and many behave alike.
 */
export interface RoomBus {
  /** This process's id on the bus, different from every other process's ([BUS3]). */
  readonly process: string;
  /**
   * Sends `message` to every subscriber of its channel, on every process,
   * this one included ([BUS1]), in publish order ([BUS2]). Resolves once this
   * process's subscribers have handled it ([BUS7]). It never rejects: a
   * failure, a handler's or the bus's own, is the bus's to report ([BUS5]).
   */
  publish(message: BusMessage): Promise<void>;
  subscribe(channel: BusChannel, handler: BusHandler, options?: SubscribeOptions): Unsubscribe;
  /** Ends every subscription of this process and leaves the bus. */
  close(): Promise<void>;
}

export function roomChannel(room: string): BusChannel {
  return { kind: 'room', room };
}

export function sessionChannel(sessionId: string): BusChannel {
  return { kind: 'session', sessionId };
}

/** The channel a message is published on. */
export function channelOf(message: BusMessage): BusChannel {
  switch (message.kind) {
    case 'doc-update':
    case 'awareness':
    case 'saved':
    case 'digest':
      return roomChannel(message.room);
    case 'event-log':
      return sessionChannel(message.sessionId);
    case 'membership':
      return sessionChannel(message.change.sessionId);
  }
}

/** A string naming a channel, for maps and wire keys: rooms and sessions never share one ([BUS1]). */
export function channelKey(channel: BusChannel): string {
  return channel.kind === 'room' ? `room:${channel.room}` : `session:${channel.sessionId}`;
}
