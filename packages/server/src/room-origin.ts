import type { Fence } from '@dungeon-lab/store';
import type { RoomMember } from './room-member.ts';

/**
 * Why the server itself changed a room: an intent's effects ([EL9]), effects
 * replayed on load ([EL9], [EL18]), a checkpoint restored ([EL8]), the
 * presence of a member that left, or a transaction another library opened
 * under an origin of its own (y-protocols times awareness states out under
 * `'timeout'`).
 */
export type ServerWriteReason = 'intent' | 'recovery' | 'restore' | 'member-left' | 'untagged';

/**
 * Who made a change to a room's document or awareness ([OR1] in
 * docs/architecture.md), given as the Yjs transaction origin. The room
 * decides by its kind: a member's and the server's changes are stored and
 * published on the room bus; a peer process's change arrived over the bus
 * after that process stored it, so it is applied and shown to local sockets,
 * never stored again.
 */
export type RoomOrigin = MemberOrigin | ServerOrigin | PeerOrigin | StoreOrigin;

export interface MemberOrigin {
  readonly kind: 'member';
  readonly member: RoomMember;
}

export interface ServerOrigin {
  readonly kind: 'server';
  readonly reason: ServerWriteReason;
  /**
   * The sequencer's claim on the session's log when the change is an entry's
   * effects: stored under it, or not at all ([EL24]).
   */
  readonly fence?: Fence;
}

export interface PeerOrigin {
  readonly kind: 'peer';
  /** The process whose bus message carried the change. */
  readonly process: string;
}

/**
 * Changes read back from the store into a loaded room ([EL21]): durable
 * already, so shown to local sockets and never stored or published again.
 */
export interface StoreOrigin {
  readonly kind: 'store';
}

export const STORE_ORIGIN: StoreOrigin = { kind: 'store' };

/** The origins whose changes this process stores. */
export type LocalOrigin = MemberOrigin | ServerOrigin;

export function memberOrigin(member: RoomMember): MemberOrigin {
  return { kind: 'member', member };
}

/** One object per reason: server writes are frequent and need no identity of their own. */
const SERVER_ORIGINS: { readonly [R in ServerWriteReason]: ServerOrigin } = {
  intent: { kind: 'server', reason: 'intent' },
  recovery: { kind: 'server', reason: 'recovery' },
  restore: { kind: 'server', reason: 'restore' },
  'member-left': { kind: 'server', reason: 'member-left' },
  untagged: { kind: 'server', reason: 'untagged' },
};

export function serverOrigin(reason: ServerWriteReason, fence?: Fence): ServerOrigin {
  return fence === undefined ? SERVER_ORIGINS[reason] : { kind: 'server', reason, fence };
}

export function peerOrigin(process: string): PeerOrigin {
  return { kind: 'peer', process };
}

const KINDS: ReadonlySet<unknown> = new Set<RoomOrigin['kind']>(['member', 'server', 'peer', 'store']);

/**
 * The origin of a transaction on a room's document or awareness. Every
 * transaction this package opens carries a RoomOrigin; any other is the
 * server's own doing, `untagged`, and is stored and published like one.
 */
export function roomOriginOf(origin: unknown): RoomOrigin {
  return typeof origin === 'object' && origin !== null && KINDS.has((origin as { kind?: unknown }).kind)
    ? (origin as RoomOrigin)
    : SERVER_ORIGINS.untagged;
}
