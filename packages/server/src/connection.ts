import {
  CloseCode,
  Feature,
  PROTOCOL_VERSION,
  ProtocolDecodeError,
  closeInfo,
  decodeMessage,
  encodeMessage,
  type ProtocolMessage,
  type RoomScopedMessage,
} from '@dungeon-lab/protocol';
import type { WebSocket } from 'ws';
import { type Audit, AuditAction, clip } from './audit/audit-entry.ts';
import { detach } from './boundary.ts';
import { ConnectionError, protocolError } from './connection-error.ts';
import { CoalescingThrottle } from './limits/coalescing-throttle.ts';
import { InboundThrottle } from './limits/inbound-throttle.ts';
import type { ResolvedOptions } from './options.ts';
import type { EventLogService } from './event-log/event-log-service.ts';
import type { Room, RoomMember, RoomPeer } from './room.ts';
import type { RoomRegistry } from './room-registry.ts';
import { isValidRoomName } from './room-name.ts';
import { type FrameStream, Outbox, flushIfHeldTooLong } from './outbound/outbox.ts';
import { type WsFrame, encodeWsFrame } from './outbound/ws-frame.ts';
import { roomScope, sessionOfScope } from './sessions/room-scope.ts';

/** Read authorization for multiplexed joins (implemented by RoomGate). */
export interface RoomAccess {
  /** Changes whenever any membership changes; a join that saw another value is checked again. */
  readonly generation: number;
  canRead(userId: string, room: string): Promise<boolean>;
}

const NO_LIMIT = { burst: Infinity, perSecond: Infinity };

/** A multiplexed room being loaded: messages for it wait here, in order. */
interface PendingJoin {
  readonly queue: RoomScopedMessage[];
  cancelled: boolean;
}

type Binding = { kind: 'joined'; room: Room; member: RoomMember } | { kind: 'joining'; pending: PendingJoin };

let nextConnectionId = 1;

/**
 * One WebSocket. It belongs to the room in its URL and, if it speaks the
 * sidecar's multiplexing, to further rooms joined through `room` envelopes.
 * Any protocol violation closes this socket only, with a code from the table.
 */
export class Connection implements RoomPeer {
  readonly id = nextConnectionId++;
  features: number;
  readonly userId: string;
  /** The client address this socket is counted against ([F7]). */
  readonly ip: string;
  readonly upgradeAt: number;
  arrivedAt = 0;
  private readonly ws: WebSocket;
  private readonly opts: ResolvedOptions;
  private readonly registry: RoomRegistry;
  private readonly bindings = new Map<string, Binding>();
  private primary: { room: Room; member: RoomMember } | null = null;
  private closed = false;
  private readonly outbox: Outbox;
  /** Bytes of replies the peer asked for, allowed on top of `maxBufferedBytes` until they drain ([P12]). */
  private replyAllowance = 0;
  private readonly onClosed: (conn: Connection) => void;

  private readonly eventLog: EventLogService;
  private readonly access: RoomAccess;
  private readonly audit: Audit;
  private readonly inbound: InboundThrottle<{ data: Buffer; isBinary: boolean; at: number }>;
  private readonly awareness: CoalescingThrottle<Room>;
  private readonly syncRequests: CoalescingThrottle<Room>;

  constructor(
    ws: WebSocket,
    opts: ResolvedOptions,
    registry: RoomRegistry,
    eventLog: EventLogService,
    access: RoomAccess,
    identity: { userId: string; features: number; ip: string; upgradeAt: number },
    audit: Audit,
    onClosed: (conn: Connection) => void,
  ) {
    this.eventLog = eventLog;
    this.access = access;
    this.audit = audit;
    this.userId = identity.userId;
    this.ip = identity.ip;
    this.upgradeAt = identity.upgradeAt;
    this.ws = ws;
    this.opts = opts;
    this.registry = registry;
    this.features = identity.features;
    this.onClosed = onClosed;
    // Frames go straight to the TCP stream, built once per broadcast rather than once per socket by
    // ws.send. Safe with ws as configured: no permessage-deflate and no Blobs, so ws never holds
    // frames of its own back and its writes (pongs, the close frame) interleave in call order.
    const stream = (ws as unknown as { _socket: FrameStream })._socket;
    this.outbox = new Outbox(stream, () => ws.readyState === ws.OPEN, opts.telemetry);
    const { limits } = opts;
    this.inbound = new InboundThrottle(
      { messages: limits.messagesPerConnection, bytes: limits.bytesPerConnection, graceMs: limits.rateLimitGraceMs },
      ws,
      ({ data, isBinary, at }) => this.onMessage(data, isBinary, at),
      () => {
        opts.telemetry.rateLimited('socket-messages');
        this.close(CloseCode.RateLimited, `over ${limits.messagesPerConnection.perSecond} messages per second`);
      },
    );
    this.awareness = new CoalescingThrottle({ messages: limits.awarenessPerConnection, bytes: limits.awarenessBytesPerConnection });
    this.syncRequests = new CoalescingThrottle({ messages: limits.syncRequestsPerConnection, bytes: NO_LIMIT });
    // Stamped on arrival: a message held back by the rate limit has been waiting since ([F3]), and sync latency counts that.
    ws.on('message', (data, isBinary) => this.inbound.push({ data: data as Buffer, isBinary, at: performance.now() }, (data as Buffer).byteLength));
    ws.on('close', () => this.cleanup());
    ws.on('error', (err) => {
      this.opts.logger.debug({ conn: this.id, err: String(err) }, 'socket error');
      this.close(closeCodeForSocketError(err));
    });
  }

  get roomCount(): number {
    return this.bindings.size + (this.primary === null ? 0 : 1);
  }

  /**
   * Takes away a room the user may no longer read: the URL room closes the
   * socket with `code`; a multiplexed room is left with a `permission-denied`
   * error and the socket keeps its other rooms.
   */
  revokeRoom(name: string, code: CloseCode): void {
    if (this.primary?.room.name === name) {
      this.close(code);
      return;
    }
    const binding = this.bindings.get(name);
    if (binding === undefined) return;
    this.unbind(name, binding);
    const info = closeInfo(code);
    // A code a client retries after (the room reloaded) is no refusal: it joins again.
    this.sendRoomError(name, info?.retry === true ? 'room-unavailable' : 'permission-denied', info?.reason ?? 'access revoked');
  }

  private sendRoomError(room: string, reason: 'permission-denied' | 'room-unavailable', detail: string): void {
    this.send(encodeMessage({ type: 'room', room, message: { type: 'error', reason, detail } }));
  }

  /** Makes `room` (already loaded and acquired) this socket's URL room; `lastSeen` is the client's last event sequence. */
  joinPrimary(room: Room, lastSeen: number | null): void {
    if (this.closed) {
      this.registry.release(room);
      return;
    }
    const member: RoomMember = { peer: this, enveloped: false, awarenessIds: new Set(), clientId: null };
    this.primary = { room, member };
    room.addMember(member);
    this.eventLog.onJoin(member, room, lastSeen);
  }

  /** Event-log messages go to the sidecar; everything else to the room. */
  private route(room: Room, member: RoomMember, msg: RoomScopedMessage): void {
    if ((msg.type === 'sync-update' || msg.type === 'sync-step2') && msg.update.byteLength > this.opts.maxUpdateBytes) {
      throw new ConnectionError(CloseCode.UpdateTooLarge, `update of ${msg.update.byteLength} bytes; at most ${this.opts.maxUpdateBytes}`);
    }
    if (msg.type === 'awareness') {
      this.awareness.offer(room, msg.update.byteLength, () => this.handleLater(room, member, msg));
      return;
    }
    if (msg.type === 'sync-step1') {
      this.syncRequests.offer(room, 0, () => this.handleLater(room, member, msg));
      return;
    }
    if (msg.type === 'client-id') {
      this.requestClientId(room, member, msg.clientId);
      return;
    }
    if (msg.type === 'intent-submit' || msg.type === 'catch-up-request') {
      if ((this.features & Feature.EventLog) === 0) throw protocolError(`${msg.type} needs the event-log feature`);
      if (msg.type === 'intent-submit') this.eventLog.handleIntents(member, room, msg.intents);
      else this.eventLog.handleCatchUp(member, room, msg.from);
      return;
    }
    room.handle(member, msg);
  }

  /**
   * Answers with the client id to use in this room ([P15]). A failed lease is
   * only logged: the client keeps the id it has, which stays valid.
   */
  private requestClientId(room: Room, member: RoomMember, requested: number): void {
    if ((this.features & Feature.ClientIds) === 0) throw protocolError('client-id needs the client-ids feature');
    const present = () => !this.closed && room.members.has(member);
    detach(this.opts.logger, 'client id lease failed', async () => {
      const clientId = await room.clientIds.grant(member, requested, present);
      if (clientId !== null && present()) room.sendTo(member, encodeMessage({ type: 'client-id', clientId }));
    }, { conn: this.id, room: room.name });
  }

  /** Awareness and sync requests may be handled later than they arrived ([F4], [F8]); by then the socket may have left the room. */
  private handleLater(room: Room, member: RoomMember, msg: RoomScopedMessage): void {
    if (this.closed || !room.members.has(member)) return;
    try {
      room.handle(member, msg);
    } catch (err) {
      this.fail(err);
    }
  }

  send(message: Uint8Array): void {
    this.sendFrame(encodeWsFrame(message));
  }

  sendFrame(frame: WsFrame): void {
    const { telemetry } = this.opts;
    telemetry.framesAttempted(1);
    if (this.closed) {
      telemetry.framesDropped('closed', 1);
      return;
    }
    const stalled = this.outbox.stalledBytes;
    // The replies it asked for have gone out, all but what the limit allows anyway.
    if (stalled <= this.opts.maxBufferedBytes && this.outbox.queuedBytes === 0) this.replyAllowance = 0;
    if (stalled > this.opts.maxBufferedBytes + this.replyAllowance) {
      // A peer that does not read must not grow our memory; it resyncs when it reconnects.
      telemetry.framesDropped('slow-consumer', 1);
      this.close(CloseCode.SlowConsumer);
      return;
    }
    this.outbox.push(frame);
  }

  /**
   * Sends a frame the peer asked for — the state it is missing, in answer to
   * its sync step 1 — which may take longer than the backpressure limit
   * allows to get through a slow link ([P12]): a 50 MB document at 2.5 MB/s
   * takes 20 s, and the room's traffic meanwhile must not close the socket,
   * or the joiner would reconnect and ask again for ever. Its bytes are
   * allowed on top of the limit until they have drained.
   */
  sendReply(frame: WsFrame): void {
    this.sendFrame(frame);
    if (!this.closed) this.replyAllowance += frame.byteLength;
  }

  /** Closes with a code from the table; the socket is destroyed if the peer does not finish the handshake. */
  close(code: CloseCode, detail?: string): void {
    if (this.closed) return;
    this.closed = true;
    const reason = (detail ?? closeInfo(code)?.reason ?? '').slice(0, 120);
    if (code !== CloseCode.Normal && code !== CloseCode.ServiceRestart) {
      this.opts.logger.info({ conn: this.id, code, reason }, 'closing connection');
    }
    // What was sent before the close (an error, a refusal) goes out ahead of the close frame.
    if (code !== CloseCode.SlowConsumer) this.outbox.flush();
    this.outbox.discard(code === CloseCode.SlowConsumer ? 'slow-consumer' : 'closed');
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    setTimeout(() => this.ws.terminate(), this.opts.closeGraceMs).unref();
    this.cleanup();
  }

  private cleanup(): void {
    this.closed = true;
    this.outbox.discard('closed');
    this.inbound.stop();
    this.awareness.stop();
    this.syncRequests.stop();
    if (this.primary !== null) {
      const { room, member } = this.primary;
      this.primary = null;
      room.removeMember(member);
      this.registry.release(room);
    }
    for (const [name, binding] of this.bindings) this.unbind(name, binding);
    this.bindings.clear();
    this.onClosed(this);
  }

  private unbind(name: string, binding: Binding): void {
    this.bindings.delete(name);
    if (binding.kind === 'joined') {
      this.awareness.forget(binding.room);
      this.syncRequests.forget(binding.room);
      binding.room.removeMember(binding.member);
      this.registry.release(binding.room);
    } else {
      binding.pending.cancelled = true;
    }
  }

  private onMessage(data: Buffer, isBinary: boolean, arrivedAt: number): void {
    flushIfHeldTooLong();
    if (this.closed) return;
    this.arrivedAt = arrivedAt;
    if (!isBinary) {
      this.close(CloseCode.UnsupportedData);
      return;
    }
    try {
      this.dispatch(decodeMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    } catch (err) {
      this.fail(err);
    }
  }

  /** A violation closes this socket with its code; anything else is a server bug. */
  private fail(err: unknown): void {
    if (err instanceof ConnectionError) {
      this.close(err.code, err.message);
    } else if (err instanceof ProtocolDecodeError) {
      this.close(CloseCode.ProtocolError, err.message);
    } else {
      this.opts.logger.error({ conn: this.id, err: String(err), stack: (err as Error).stack }, 'unexpected error');
      this.close(CloseCode.InternalError);
    }
  }

  private dispatch(msg: ProtocolMessage): void {
    switch (msg.type) {
      case 'hello':
        if (msg.version !== PROTOCOL_VERSION) {
          throw new ConnectionError(CloseCode.UnsupportedVersion, `server speaks version ${PROTOCOL_VERSION}`);
        }
        this.features = msg.features;
        return;
      case 'room':
        this.dispatchToRoom(msg.room, msg.message);
        return;
      case 'room-leave': {
        const binding = this.bindings.get(msg.room);
        if (binding !== undefined) this.unbind(msg.room, binding);
        return;
      }
      default:
        if (this.primary === null) throw protocolError('no room');
        this.route(this.primary.room, this.primary.member, msg);
    }
  }

  private dispatchToRoom(name: string, msg: RoomScopedMessage): void {
    if ((this.features & Feature.Multiplex) === 0) throw protocolError('room envelopes need the multiplex feature');
    if (this.primary?.room.name === name) {
      this.route(this.primary.room, this.primary.member, msg);
      return;
    }
    const binding = this.bindings.get(name);
    if (binding?.kind === 'joined') {
      this.route(binding.room, binding.member, msg);
      return;
    }
    if (binding?.kind === 'joining') {
      binding.pending.queue.push(msg);
      return;
    }
    if (!isValidRoomName(name)) {
      this.send(encodeMessage({ type: 'room', room: name.slice(0, 512), message: { type: 'error', reason: 'invalid-room-name', detail: 'invalid room name' } }));
      return;
    }
    if (this.roomCount >= this.opts.maxRoomsPerConnection) {
      throw new ConnectionError(CloseCode.RoomLimit, `at most ${this.opts.maxRoomsPerConnection} rooms per connection`);
    }
    const pending: PendingJoin = { queue: [msg], cancelled: false };
    this.bindings.set(name, { kind: 'joining', pending });
    this.startJoin(name, pending);
  }

  /**
   * Authorizes, then loads; a room the user may not read is never loaded
   * ([A17]). Runs detached from the message that asked for it, so whatever
   * it throws closes this socket ([P13]) and goes no further.
   */
  private startJoin(name: string, pending: PendingJoin): void {
    const generation = this.access.generation;
    const fail = (reason: 'permission-denied' | 'room-unavailable', detail: string) => {
      if (pending.cancelled || this.closed) return;
      this.bindings.delete(name);
      this.sendRoomError(name, reason, detail);
    };
    const join = async (): Promise<void> => {
      let allowed: boolean;
      try {
        allowed = await this.access.canRead(this.userId, name);
      } catch {
        return fail('room-unavailable', 'membership could not be read');
      }
      if (pending.cancelled || this.closed) return;
      if (!allowed) {
        const sessionId = sessionOfScope(roomScope(name));
        if (sessionId !== null) {
          this.audit.record(sessionId, {
            actor: this.userId,
            action: AuditAction.RoomRefused,
            outcome: 'denied',
            target: clip(name),
            detail: 'multiplexed join',
            ip: this.ip,
          });
        }
        return fail('permission-denied', 'not allowed in this room');
      }
      let room: Room;
      try {
        room = await this.registry.acquire(name);
      } catch {
        return fail('room-unavailable', 'room could not be loaded');
      }
      this.completeJoin(name, room, pending, generation);
    };
    join().catch((err: unknown) => this.fail(err));
  }

  private completeJoin(name: string, room: Room, pending: PendingJoin, generation: number): void {
    if (pending.cancelled || this.closed) {
      this.registry.release(room);
      return;
    }
    if (this.access.generation !== generation) {
      // Membership changed while the room loaded; the answer may be stale, so ask again.
      this.registry.release(room);
      this.startJoin(name, pending);
      return;
    }
    const member: RoomMember = { peer: this, enveloped: true, awarenessIds: new Set(), clientId: null };
    this.bindings.set(name, { kind: 'joined', room, member });
    room.addMember(member);
    try {
      for (const msg of pending.queue) this.route(room, member, msg);
    } catch (err) {
      this.fail(err);
    }
  }
}

function closeCodeForSocketError(err: Error): CloseCode {
  const code = (err as Error & { code?: string }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return CloseCode.MessageTooBig;
  return CloseCode.ProtocolError;
}
