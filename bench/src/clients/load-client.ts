import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { EMPTY_STATE_VECTOR, EMPTY_UPDATE, type WireProtocol } from '../wire/types.ts';
import { FrameCounter } from './frame-counter.ts';
import type { BatchedReads } from './batched-reads.ts';

/** Transaction origin of everything a load client applies from the server. */
export const REMOTE = Symbol('remote');

const MAX_PAYLOAD = 512 * 1024 * 1024;

export type ClientState = 'idle' | 'connecting' | 'authenticating' | 'syncing' | 'synced' | 'closed';

export interface LoadClientOptions {
  readonly wire: WireProtocol;
  /** Read at every connect, so that a restarted target on another port is found. */
  readonly baseUrl: () => string;
  readonly room: string;
  /**
   * When set, sync step 2 and updates from the server are applied to it, and
   * its state vector and contents are what the client syncs with. Without it
   * the client only counts what arrives.
   */
  readonly doc?: Y.Doc;
  /** Ask for the whole document on join even though `doc` holds some of it. */
  readonly joinWithEmptyStateVector?: boolean;
  /** Keep sync step 2 for the caller (see `takeStep2`) instead of applying it. */
  readonly deferStep2?: boolean;
  /** Called with every update frame's payload (after it was applied, if there is a doc). */
  readonly onUpdate?: (update: Uint8Array) => void;
  /** Called with the state vector of every `saved` frame (Dungeon Lab's sidecar only). */
  readonly onSaved?: (stateVector: Uint8Array) => void;
  /** Called with the acks of every `intent-ack` frame (Dungeon Lab's event log only). */
  readonly onIntentAcks?: (acks: readonly unknown[]) => void;
  /** The server leased this socket a short client id (ours' `client-id`). */
  readonly onClientId?: (clientId: number) => void;
  readonly onClose?: (client: LoadClient, expected: boolean) => void;
  /**
   * Once synced, a client without `doc` or `onUpdate` reads its socket with a
   * FrameCounter instead of `ws`: same counts, a fraction of the CPU. For
   * workloads whose receivers would otherwise saturate the generator.
   */
  readonly lean?: boolean;
  /** Reads a lean client's socket in bursts rather than on every segment (see BatchedReads). */
  readonly batchedReads?: BatchedReads;
}

/**
 * A protocol-level client: one WebSocket, one room, sync handshake and update
 * exchange, counters for everything received. No provider, no awareness.
 */
export class LoadClient {
  state: ClientState = 'idle';
  framesIn = 0;
  bytesIn = 0;
  updatesIn = 0;
  bytesOut = 0;
  /** Hocuspocus acknowledgements of this client's own updates. */
  acksIn = 0;
  /** performance.now() of the last completed sync (step 2 received). */
  syncedAt: number | undefined;
  connectStartedAt: number | undefined;
  /** Closes the client did not ask for. */
  unexpectedCloses = 0;
  lastSentAt = 0;
  private socket: WebSocket | undefined;
  /** The socket a FrameCounter reads: ws cannot see a close handshake on it, so closing it is terminating it. */
  private leanSocket: WebSocket | undefined;
  private step2: Uint8Array | undefined;
  private closing = false;
  private waiter: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(readonly options: LoadClientOptions) {}

  get room(): string {
    return this.options.room;
  }

  /** Opens the socket and resolves once sync step 2 arrived (and was applied, unless deferred). */
  connect(timeoutMs = 30_000): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'closed') throw new Error(`connect while ${this.state}`);
    const { wire, room } = this.options;
    this.closing = false;
    this.syncedAt = undefined;
    this.step2 = undefined;
    this.state = 'connecting';
    this.connectStartedAt = performance.now();
    const socket = new WebSocket(wire.roomUrl(this.options.baseUrl(), room), {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      maxPayload: MAX_PAYLOAD,
    });
    this.socket = socket;
    const synced = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`${room}: not synced within ${timeoutMs} ms (${this.state})`));
        this.close();
      }, timeoutMs);
      this.waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
    socket.on('open', () => {
      if (wire.encodeHello) this.send(wire.encodeHello(room));
      if (wire.needsAuth) {
        this.state = 'authenticating';
        this.send(wire.encodeAuth(room));
      } else {
        this.startSync();
      }
    });
    socket.on('message', (data: Buffer) => this.receive(data));
    socket.on('error', () => {
      // 'close' follows and settles everything.
    });
    socket.on('close', () => this.onSocketClose(socket));
    return synced;
  }

  private startSync(): void {
    this.state = 'syncing';
    const { doc, joinWithEmptyStateVector } = this.options;
    const stateVector = doc && !joinWithEmptyStateVector ? Y.encodeStateVector(doc) : EMPTY_STATE_VECTOR;
    this.send(this.options.wire.encodeSyncStep1(this.options.room, stateVector));
  }

  private receive(data: Buffer): void {
    this.framesIn += 1;
    this.bytesIn += data.byteLength;
    const { doc, wire, onUpdate } = this.options;
    if (!doc && !onUpdate) {
      const kind = wire.peekKind(data);
      if (kind === 'update') {
        this.updatesIn += 1;
        return;
      }
      if (kind === 'sync-status') {
        this.acksIn += 1;
        return;
      }
    }
    const frame = wire.decode(data);
    switch (frame.kind) {
      case 'update':
        this.updatesIn += 1;
        if (doc) Y.applyUpdate(doc, frame.update, REMOTE);
        this.options.onUpdate?.(frame.update);
        return;
      case 'sync-step1': {
        // The server asks for what it lacks; a client without a document has nothing to offer.
        const diff = doc ? Y.encodeStateAsUpdate(doc, frame.stateVector) : EMPTY_UPDATE;
        this.send(this.options.wire.encodeSyncStep2(this.options.room, diff));
        return;
      }
      case 'sync-step2':
        if (this.options.deferStep2) this.step2 = frame.update.slice();
        else if (doc) Y.applyUpdate(doc, frame.update, REMOTE);
        if (this.state === 'syncing') {
          this.state = 'synced';
          this.syncedAt = performance.now();
          if (this.options.lean && !doc && !onUpdate) this.goLean();
          this.waiter?.resolve();
          this.waiter = undefined;
        }
        return;
      case 'authenticated':
        if (this.state === 'authenticating') this.startSync();
        return;
      case 'auth-denied':
        this.waiter?.reject(new Error(`${this.options.room}: permission denied (${frame.reason})`));
        this.waiter = undefined;
        this.close();
        return;
      case 'sync-status':
        this.acksIn += 1;
        return;
      case 'saved':
        this.options.onSaved?.(frame.stateVector);
        return;
      case 'intent-ack':
        this.options.onIntentAcks?.(frame.acks);
        return;
      case 'client-id':
        this.options.onClientId?.(frame.clientId);
        return;
      case 'closing':
        // Hocuspocus detached this document from the socket; the socket itself is useless now.
        this.socket?.close();
        return;
      case 'other':
        return;
    }
  }

  private onSocketClose(socket: WebSocket): void {
    if (socket !== this.socket) return;
    const expected = this.closing;
    if (!expected) this.unexpectedCloses += 1;
    this.state = 'closed';
    this.socket = undefined;
    this.waiter?.reject(new Error(`${this.options.room}: socket closed before sync`));
    this.waiter = undefined;
    this.options.onClose?.(this, expected);
  }

  /**
   * Takes the socket's incoming side away from ws. Only at a frame boundary:
   * if ws holds part of a frame, it tries again on the next turn.
   */
  private goLean(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const internals = socket as unknown as { _socket: Socket; _receiver: { _bufferedBytes: number } };
    if (internals._receiver._bufferedBytes > 0) {
      setImmediate(() => this.goLean());
      return;
    }
    const tcp = internals._socket;
    tcp.removeAllListeners('data');
    this.leanSocket = socket;
    new FrameCounter(tcp, {
      message: (payload) => this.receive(payload),
      // ws no longer sees the close handshake; ending the socket makes it emit 'close' as usual.
      closed: () => socket.terminate(),
    });
    this.options.batchedReads?.add(tcp);
  }

  /** Sends one already-encoded frame; returns false if the socket is not open. */
  send(frame: Uint8Array): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(frame);
    this.bytesOut += frame.byteLength;
    this.lastSentAt = performance.now();
    return true;
  }

  sendUpdate(update: Uint8Array): boolean {
    return this.send(this.options.wire.encodeUpdate(this.options.room, update));
  }

  /** Resets idle timers of servers that have them; a no-op for the others. */
  keepalive(): void {
    const frame = this.options.wire.encodeKeepalive(this.options.room);
    if (frame) this.send(frame);
  }

  /** Sync step 2 kept by `deferStep2`, handed over once. */
  takeStep2(): Uint8Array | undefined {
    const step2 = this.step2;
    this.step2 = undefined;
    return step2;
  }

  close(): void {
    this.closing = true;
    const socket = this.socket;
    if (!socket) {
      this.state = 'closed';
      return;
    }
    if (socket.readyState === WebSocket.CONNECTING || socket === this.leanSocket) socket.terminate();
    else socket.close();
  }

  /** Resolves when the socket is gone (after `close`). */
  async closed(timeoutMs = 5_000): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, timeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
