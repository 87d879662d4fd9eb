import type { CloseCode } from '@dungeon-lab/protocol';
import type { WsFrame } from './outbound/ws-frame.ts';

/** What a room needs from a socket; implemented by Connection. */
export interface RoomPeer {
  readonly id: number;
  readonly features: number;
  /** Who is on this socket. */
  readonly userId: string;
  /** When its upgrade request arrived (`performance.now()`). */
  readonly upgradeAt: number;
  /** When the message being handled arrived on the socket (`performance.now()`). */
  readonly arrivedAt: number;
  /** Sends one protocol message. */
  send(message: Uint8Array): void;
  /** Sends a frame built once for many sockets. */
  sendFrame(frame: WsFrame): void;
  /** Sends a frame the peer asked for (the state it lacks), which may exceed the backpressure limit while it drains ([P12]). */
  sendReply(frame: WsFrame): void;
  /** Takes one room away: closes the socket if it is its URL room, otherwise leaves the multiplexed room. */
  revokeRoom(room: string, code: CloseCode): void;
}

/** One socket's membership in one room. */
export interface RoomMember {
  readonly peer: RoomPeer;
  /** Frames for this member travel inside a `room` envelope (multiplexed room). */
  readonly enveloped: boolean;
  /** Awareness client ids this member announced, removed when it leaves. */
  readonly awarenessIds: Set<number>;
  /** The Yjs client id the room leased this member, once it asked for one ([P15]). */
  clientId: number | null;
}
