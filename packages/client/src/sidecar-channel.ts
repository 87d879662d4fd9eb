import {
  MessageType,
  PROTOCOL_VERSION,
  SIDECAR_QUERY_PARAM,
  SyncStep,
  decodeMessage,
  encodeMessage,
  type ProtocolMessage,
  type ProtocolMessageType,
} from '@dungeon-lab/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Awareness } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';
import { moveAwareness } from './awareness-identity.ts';
import type { ConnectionSettings } from './connection-credentials.ts';
import { EventEmitter } from './event-emitter.ts';
import { createValue, type ReadableValue } from './readable-value.ts';

/** Anything constructible like the browser's WebSocket (e.g. the `ws` package's class). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object;

/** `connecting`: a socket is being opened; `connected`: it is open; `disconnected`: there is none. */
export type ChannelStatus = 'disconnected' | 'connecting' | 'connected';

/** A close frame from the server. */
export interface ChannelClose {
  readonly code: number;
  readonly reason: string;
}

export interface SidecarChannelEvents {
  [event: string]: (payload: never) => void;
  /**
   * A socket closed. `close` is the server's close frame, null when this side
   * closed it; `opened` says whether it ever opened (a refused upgrade never does).
   * Nothing reconnects on its own: the owner decides when to `open()` again.
   */
  close: (e: { close: ChannelClose | null; opened: boolean }) => void;
  /** An inbound sidecar frame that does not decode. */
  error: (e: { error: unknown }) => void;
}

export interface SidecarChannelOptions {
  /** ws:// or wss:// base URL; the room is appended as a path. */
  readonly serverUrl: string;
  readonly room: string;
  readonly doc: Y.Doc;
  readonly WebSocketPolyfill?: WebSocketConstructor;
}

type MessageOf<T extends ProtocolMessageType> = Extract<ProtocolMessage, { type: T }>;
type MessageListeners = { [T in ProtocolMessageType]: (msg: MessageOf<T>) => void };
type ProviderOptions = NonNullable<ConstructorParameters<typeof WebsocketProvider>[3]>;
type ProviderHandler = WebsocketProvider['messageHandlers'][number];

/** Every URL of ours announces the sidecar protocol ([P3]). */
function sidecarParams(params: Record<string, string>): Record<string, string> {
  return { ...params, [SIDECAR_QUERY_PARAM]: String(PROTOCOL_VERSION) };
}

/** Message names of the sync sub-types, which y-websocket handles before our listeners hear of them. */
const SYNC_MESSAGES: ReadonlyMap<number, ProtocolMessageType> = new Map([
  [SyncStep.Step1, 'sync-step1'],
  [SyncStep.Step2, 'sync-step2'],
  [SyncStep.Update, 'sync-update'],
]);

/**
 * On a closed socket y-websocket drops the other peers' presence but keeps
 * their clocks, and y-protocols ignores a state whose clock it has seen: the
 * states the server sends everyone who joins would be ignored on the next
 * socket, and the others would stay invisible until each changed their own
 * (up to the 15 s renewal). Forgetting the clocks of the peers that are gone
 * lets the next socket's snapshot bring them back at once ([EQ26]).
 */
function forgetAbsentPeers(awareness: Awareness): void {
  for (const clientId of [...awareness.meta.keys()]) {
    if (clientId !== awareness.clientID && !awareness.states.has(clientId)) awareness.meta.delete(clientId);
  }
}

/** y-websocket's own message types that stay entirely its business (presence). */
const PROVIDER_ONLY: ReadonlySet<number> = new Set([MessageType.Awareness, MessageType.QueryAwareness]);

/**
 * One document's connection to its room: the only module that knows
 * y-websocket's provider and its internals, so an upgrade of it touches this
 * file (and `y-websocket-internals.itest.ts`, which pins what we rely on).
 *
 * The provider keeps doing what it is for: the Yjs sync handshake, relaying
 * the doc's updates, presence. Around it the channel offers what the client
 * needs: typed listeners for the messages of our protocol (decoded with
 * @dungeon-lab/protocol; sync messages are heard after y-websocket applied
 * them), `send`, a status, one socket per `open()` — y-websocket's own
 * reconnect schedule is switched off on every close, the owner runs its own —
 * and a document swap that keeps the provider and its presence.
 */
export class SidecarChannel {
  readonly events = new EventEmitter<SidecarChannelEvents>();
  readonly #provider: WebsocketProvider;
  readonly #messages = new EventEmitter<MessageListeners>();
  readonly #status = createValue<ChannelStatus>('disconnected');
  #connection = 0;
  /** Local updates made on an open socket before its handshake finished: sent once it has ([EQ30]). */
  #held: Uint8Array[] = [];

  constructor(opts: SidecarChannelOptions) {
    const providerOptions: ProviderOptions = { connect: false, disableBc: true, params: sidecarParams({}) };
    if (opts.WebSocketPolyfill) providerOptions.WebSocketPolyfill = opts.WebSocketPolyfill as ProviderOptions['WebSocketPolyfill'];
    this.#provider = new WebsocketProvider(opts.serverUrl, opts.room, opts.doc, providerOptions);
    this.#installHandlers();
    // Ours relays the doc's updates instead of the provider's (swapDoc and destroy use it by that name).
    opts.doc.off('update', this.#provider._updateHandler);
    this.#provider._updateHandler = this.#relay;
    opts.doc.on('update', this.#relay);
    this.#provider.on('sync', (synced: boolean) => {
      if (synced) this.#sendHeld();
    });
    this.#provider.on('status', ({ status }) => {
      // A new socket's handshake carries everything the server lacks, what was held for the last one included.
      if (status !== 'connected') this.#held = [];
      if (status === 'connecting') this.#connection++;
      if (status === 'disconnected') forgetAbsentPeers(this.#provider.awareness);
      // `disconnected` is ours to say, after the close: y-websocket says it only for sockets that had opened.
      if (status !== 'disconnected') this.#status.set(status);
    });
    this.#provider.on('connection-close', (event) => {
      // Switches off the provider's own reconnect: the retry it has just scheduled finds nothing to do.
      this.#provider.shouldConnect = false;
      const opened = this.#status.get() === 'connected';
      this.events.emit('close', { close: event ? { code: event.code, reason: event.reason } : null, opened });
      this.#status.set('disconnected');
    });
  }

  /** The document synced over this channel: a different one after `swapDoc`. */
  get doc(): Y.Doc {
    return this.#provider.doc;
  }

  /** Presence (cursors, names) of this document's room; the same object across doc swaps and client-id changes. */
  get awareness(): Awareness {
    return this.#provider.awareness;
  }

  /**
   * The transaction origin of updates that came from the server. Updates made
   * with it are taken for the server's and never sent back; an observer can
   * tell remote changes from local ones by it.
   */
  get remoteOrigin(): object {
    return this.#provider;
  }

  /** `connected` is announced before the sync step 1 goes out on the new socket, so anything sent after it follows the step. */
  get status(): ReadableValue<ChannelStatus> {
    return this.#status;
  }

  /** Counts the sockets opened so far: tells whether the socket of some moment is still the current one. */
  get connection(): number {
    return this.#connection;
  }

  get room(): string {
    return this.#provider.roomname;
  }

  /** The URL of the latest (or next) socket, query parameters included. */
  get url(): string {
    return this.#provider.url;
  }

  /** The subprotocols the latest socket offered. */
  get protocols(): readonly string[] {
    return this.#provider.protocols;
  }

  /** The subprotocol the server selected for the current socket; null without one. */
  get protocol(): string | null {
    return (this.#provider.ws as WebSocket | null)?.protocol ?? null;
  }

  /** Listens to one message type of our protocol on this room; returns the unsubscribe function. */
  on<T extends ProtocolMessageType>(type: T, listener: (msg: MessageOf<T>) => void): () => void {
    return this.#messages.on(type, listener as MessageListeners[T]);
  }

  /**
   * Relays a local update as y-websocket does — except on a socket whose
   * handshake has not finished ([EQ30]): the client's sync step 2, which
   * carries what the server lacks (offline edits), goes out only in answer
   * to the server's step 1, and an update sent before it would depend on
   * operations the server does not have yet, which it refuses ([W18]) — the
   * client would start the document over and lose those edits ([W21]). Held
   * until the server's step 2 (which follows its step 1) says the handshake
   * is done; what the step 2 already carried is known to the server and
   * changes nothing there.
   */
  readonly #relay = (update: Uint8Array, origin: unknown): void => {
    if (origin === this.#provider) return;
    if (this.#provider.wsconnected && !this.#provider.synced) this.#held.push(update);
    else this.send({ type: 'sync-update', update });
  };

  #sendHeld(): void {
    const held = this.#held;
    this.#held = [];
    for (const update of held) this.send({ type: 'sync-update', update });
  }

  /** Sends one message on the open socket; false (and nothing sent) without one. */
  send(msg: ProtocolMessage): boolean {
    const ws = this.#provider.ws;
    if (!ws || !this.#provider.wsconnected || ws.readyState !== 1 /* OPEN */) return false;
    ws.send(encodeMessage(msg));
    return true;
  }

  /** Opens one socket with these query parameters (the sidecar's version added) and subprotocols; no-op while one exists. */
  open({ params, protocols }: ConnectionSettings): void {
    this.#provider.params = sidecarParams(params);
    this.#provider.protocols = protocols;
    this.#provider.connect();
  }

  /** Closes the socket from this side (`close` with `close: null`). */
  close(): void {
    this.#provider.disconnect();
  }

  /**
   * Closes the open socket as a dropped connection would: the `close` event
   * carries the socket's own close code. False when no socket was open.
   */
  drop(): boolean {
    const ws = this.#provider.ws;
    if (!ws || ws.readyState !== 1 /* OPEN */) return false;
    ws.close();
    return true;
  }

  /**
   * Syncs `doc` instead of the current document from now on (the old one's
   * edits are no longer relayed). Presence moves to the new doc's client id
   * with its state; the awareness was made for the first doc and is destroyed
   * with it, so destroying the new doc destroys the old one too.
   */
  swapDoc(doc: Y.Doc): void {
    const provider = this.#provider;
    const old = provider.doc;
    old.off('update', provider._updateHandler);
    provider.doc = doc;
    doc.on('update', provider._updateHandler);
    moveAwareness(provider.awareness, doc.clientID);
    doc.on('destroy', () => old.destroy());
  }

  /** Announces presence under `clientId` (the doc's edits are made under it from now on). */
  moveAwareness(clientId: number): void {
    moveAwareness(this.#provider.awareness, clientId);
  }

  destroy(): void {
    this.#provider.destroy();
    this.events.removeAllListeners();
    this.#messages.removeAllListeners();
  }

  /**
   * Test seam: `wrap` sees every inbound frame of one wire type before the
   * channel handles it, and calls `deliver` to let it through; a frame it
   * does not deliver is lost, as on a lossy link.
   */
  intercept(wireType: number, wrap: (frame: Uint8Array, deliver: () => void) => void): void {
    const handlers = this.#provider.messageHandlers;
    const inner = handlers[wireType];
    if (!inner) throw new RangeError(`no handler for message type ${wireType}`);
    handlers[wireType] = (encoder, decoder, provider, emitSynced, messageType) => {
      let delivered = false;
      wrap(decoder.arr, () => {
        delivered = true;
        inner(encoder, decoder, provider, emitSynced, messageType);
      });
      if (!delivered) decoder.pos = decoder.arr.length;
    };
  }

  /** Test seam: handles `frame` as if the socket had delivered it (any reply is dropped). */
  receive(frame: Uint8Array): void {
    const decoder = decoding.createDecoder(frame);
    const type = decoding.readVarUint(decoder);
    this.#provider.messageHandlers[type]?.(encoding.createEncoder(), decoder, this.#provider, true, type);
  }

  /**
   * y-websocket dispatches inbound frames by type through `messageHandlers`.
   * Sync stays its own (our listeners hear a sync message once it is applied);
   * presence stays entirely its own; `auth` (whose stock handler only logs)
   * and every sidecar type are decoded and handed to our listeners.
   */
  #installHandlers(): void {
    const handlers = this.#provider.messageHandlers;
    const sync = handlers[MessageType.Sync];
    if (!sync) throw new Error('y-websocket provider has no sync handler');
    handlers[MessageType.Sync] = (encoder, decoder, provider, emitSynced, messageType) => {
      const frame = decoder.arr;
      const type = SYNC_MESSAGES.get(decoding.peekVarUint(decoder));
      sync(encoder, decoder, provider, emitSynced, messageType);
      if (type !== undefined && this.#messages.has(type)) this.#deliver(frame);
    };
    const sidecar: ProviderHandler = (_encoder, decoder) => {
      const frame = decoder.arr;
      decoder.pos = frame.length;
      this.#deliver(frame);
    };
    for (const type of Object.values(MessageType)) {
      if (type !== MessageType.Sync && !PROVIDER_ONLY.has(type)) handlers[type] = sidecar;
    }
  }

  #deliver(frame: Uint8Array): void {
    let msg: ProtocolMessage;
    try {
      msg = decodeMessage(frame);
    } catch (error) {
      this.events.emit('error', { error });
      return;
    }
    this.#messages.emit(msg.type, msg as never);
  }
}
