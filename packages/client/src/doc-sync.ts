import {
  MessageType,
  PROTOCOL_VERSION,
  SIDECAR_QUERY_PARAM,
  SyncStep,
  closeInfo,
  decodeDeleteSet,
  decodeMessage,
  encodeMessage,
  type ProtocolMessage,
} from '@dungeon-lab/protocol';
import * as decoding from 'lib0/decoding';
import type * as encoding from 'lib0/encoding';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { backoffDelay, type BackoffOptions, type RandomSource } from './backoff.ts';
import { DriftDetector, type DriftReason } from './drift-detector.ts';
import { EventEmitter } from './event-emitter.ts';
import { type DeleteRangesByClient, PendingChanges, localChange, parsePending, serializePending } from './pending-changes.ts';
import type { DocPersistence } from './persistence.ts';
import { createValue, type ReadableValue } from './readable-value.ts';
import { localStateVector } from './state-vector.ts';
import { SyncState, nextSyncState, type SyncEvent } from './sync-state.ts';

/** Anything constructible like the browser's WebSocket (e.g. the `ws` package's class). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object;

type ProviderOptions = NonNullable<ConstructorParameters<typeof WebsocketProvider>[3]>;
type MessageHandler = WebsocketProvider['messageHandlers'][number];

/** Metadata key of the unconfirmed local changes list. */
export const PENDING_META_KEY = 'dl:pending';

export interface DocSyncOptions {
  readonly room: string;
  /** ws:// or wss:// base URL; the room is appended as a path. */
  readonly serverUrl: string;
  readonly doc: Y.Doc;
  readonly persistence: DocPersistence;
  readonly WebSocketPolyfill: WebSocketConstructor | undefined;
  /** Extra query parameters, read again before every connection attempt. */
  readonly params: () => Record<string, string>;
  readonly backoff: BackoffOptions;
  readonly random: RandomSource;
  /** Give up waiting for a resync answer after this long and reconnect instead. */
  readonly resyncTimeoutMs: number;
  /** More local state to load after the doc and before the first connection (the event queue). */
  readonly afterLoad?: () => Promise<void>;
}

export interface DocSyncEvents {
  [event: string]: (payload: never) => void;
  transition: (e: { from: SyncState; to: SyncState }) => void;
  drift: (e: { reason: DriftReason; driftCount: number }) => void;
  saved: (e: { stateVector: Map<number, number>; pendingChanges: number }) => void;
  /** The server refused this client for good (a close code that must not be retried). */
  closed: (e: { code: number; reason: string }) => void;
  reconnect: (e: { attempt: number; delayMs: number }) => void;
  error: (e: { error: unknown }) => void;
}

/**
 * Keeps one Y.Doc in sync: local persistence, an unmodified y-websocket
 * provider, the sync state machine, unconfirmed-change tracking, drift
 * detection and jittered reconnects. The provider's own fixed-schedule
 * reconnect is switched off on every close and replaced by ours.
 */
export class DocSync {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly events = new EventEmitter<DocSyncEvents>();
  readonly #opts: DocSyncOptions;
  readonly #state = createValue<SyncState>(SyncState.OFFLINE);
  readonly #pendingCount = createValue(0);
  readonly #driftCount = createValue(0);
  readonly #detector = new DriftDetector();
  #pending = new PendingChanges();
  #loaded = false;
  #wantOnline = false;
  #destroyed = false;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #resyncTimer: ReturnType<typeof setTimeout> | null = null;
  #lastServerSV: Uint8Array | null = null;
  #metaWrite: Promise<void> | null = null;
  #metaDirty = false;
  /** Set when we close the socket ourselves to force a fresh sync. */
  #forcingReconnect = false;
  #refusal: { code: number; reason: string } | null = null;

  constructor(opts: DocSyncOptions) {
    this.#opts = opts;
    this.doc = opts.doc;
    const providerOptions: ProviderOptions = {
      connect: false,
      disableBc: true,
      // The real params are read in #openSocket, right before each attempt.
      params: { [SIDECAR_QUERY_PARAM]: String(PROTOCOL_VERSION) },
    };
    if (opts.WebSocketPolyfill) providerOptions.WebSocketPolyfill = opts.WebSocketPolyfill as ProviderOptions['WebSocketPolyfill'];
    this.provider = new WebsocketProvider(opts.serverUrl, opts.room, opts.doc, providerOptions);
    this.#installMessageHandlers();
    this.provider.on('status', this.#onStatus);
    this.provider.on('connection-close', this.#onConnectionClose);
    // Registered after the persistence's own listener, so a change is in local
    // storage before it is on the unconfirmed list.
    this.doc.on('update', this.#onDocUpdate);
  }

  get state(): ReadableValue<SyncState> {
    return this.#state;
  }

  get pendingChanges(): ReadableValue<number> {
    return this.#pendingCount;
  }

  get driftCount(): ReadableValue<number> {
    return this.#driftCount;
  }

  /**
   * Loads local storage (doc content and the unconfirmed list), then connects
   * if asked to. A storage failure is reported as 'error' and does not keep
   * the doc offline: syncing without local storage beats not syncing.
   */
  async load(): Promise<void> {
    try {
      await this.#opts.persistence.load();
      const stored = parsePending(await this.#opts.persistence.getMeta(PENDING_META_KEY));
      if (this.#destroyed) return;
      const seen = new Set<string>();
      const merged = [...stored, ...this.#pending.entries].filter((e) => {
        const key = JSON.stringify([e.client, e.clock, e.adds, e.deletes]);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      this.#pending = new PendingChanges(merged);
      if (this.#pending.pruneUnknown(localStateVector(this.doc)) || merged.length !== stored.length) this.#persistPending();
      this.#pendingCount.set(this.#pending.count);
    } catch (error) {
      this.events.emit('error', { error });
    } finally {
      try {
        await this.#opts.afterLoad?.();
      } catch (error) {
        this.events.emit('error', { error });
      }
      this.#loaded = true;
      if (this.#wantOnline) this.#openSocket();
    }
  }

  /** Set while the server's last close said not to reconnect; cleared by `connect()`. */
  get refusal(): { code: number; reason: string } | null {
    return this.#refusal;
  }

  /** Goes online (again); a permanent close is overridden by an explicit connect. */
  connect(): void {
    if (this.#destroyed) return;
    this.#wantOnline = true;
    this.#refusal = null;
    this.#attempt = 0;
    this.#clearReconnectTimer();
    if (this.#loaded) this.#openSocket();
  }

  /** Goes offline on purpose: no reconnects until `connect()`. */
  disconnect(): void {
    this.#wantOnline = false;
    this.#clearReconnectTimer();
    this.#clearResyncTimer();
    // Emits connection-close (handled as deliberate) if a socket exists.
    this.provider.disconnect();
    this.#dispatch('close');
  }

  /** Asks the server for everything again and sends it everything it may lack. */
  resync(): void {
    if (this.#state.get() !== SyncState.SYNCED && this.#state.get() !== SyncState.OUT_OF_SYNC) return;
    this.#sendResync(this.#lastServerSV ?? Y.encodeStateVector(new Y.Doc()));
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#wantOnline = false;
    this.#clearReconnectTimer();
    this.#clearResyncTimer();
    this.doc.off('update', this.#onDocUpdate);
    this.provider.destroy();
    this.#dispatch('close');
    try {
      await this.#metaWrite;
      await this.#opts.persistence.destroy();
    } finally {
      this.events.removeAllListeners();
    }
  }

  #connectionParams(): Record<string, string> {
    return { ...this.#opts.params(), [SIDECAR_QUERY_PARAM]: String(PROTOCOL_VERSION) };
  }

  #openSocket(): void {
    if (this.#destroyed || !this.#wantOnline) return;
    this.provider.params = this.#connectionParams();
    this.provider.connect();
  }

  #dispatch(event: SyncEvent): void {
    const from = this.#state.get();
    const to = nextSyncState(from, event);
    if (from === to) return;
    this.#state.set(to);
    if (to === SyncState.SYNCED) {
      this.#attempt = 0;
      this.#detector.reset();
      this.#clearResyncTimer();
    }
    this.events.emit('transition', { from, to });
  }

  readonly #onStatus = ({ status }: { status: 'connected' | 'disconnected' | 'connecting' }): void => {
    if (status === 'connecting') this.#dispatch('connect');
    else if (status === 'connected') this.#dispatch('open');
  };

  readonly #onConnectionClose = (event: CloseEvent | null): void => {
    // Take the reconnect schedule away from the provider: its pending retry
    // becomes a no-op, ours is jittered. (provider.disconnect() here would recurse.)
    this.provider.shouldConnect = false;
    this.#clearResyncTimer();
    this.#dispatch('close');
    const forced = this.#forcingReconnect;
    this.#forcingReconnect = false;
    if (this.#destroyed || !this.#wantOnline) return;
    if (event && !forced && !isRetryable(event.code)) {
      this.#wantOnline = false;
      this.#refusal = { code: event.code, reason: event.reason };
      this.events.emit('closed', { ...this.#refusal });
      return;
    }
    this.#scheduleReconnect();
  };

  #scheduleReconnect(): void {
    this.#clearReconnectTimer();
    this.#attempt++;
    const delayMs = backoffDelay(this.#attempt, this.#opts.backoff, this.#opts.random);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      try {
        this.#openSocket();
      } catch (error) {
        this.events.emit('error', { error });
        this.#scheduleReconnect();
      }
    }, delayMs);
    this.events.emit('reconnect', { attempt: this.#attempt, delayMs });
  }

  #clearReconnectTimer(): void {
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }

  #clearResyncTimer(): void {
    if (this.#resyncTimer !== null) clearTimeout(this.#resyncTimer);
    this.#resyncTimer = null;
  }

  #installMessageHandlers(): void {
    const handlers = this.provider.messageHandlers;
    const sync = handlers[MessageType.Sync];
    if (!sync) throw new Error('y-websocket provider has no sync handler');
    handlers[MessageType.Sync] = (encoder, decoder, provider, emitSynced, messageType) => {
      const step = decoding.peekVarUint(decoder);
      sync(encoder, decoder, provider, emitSynced, messageType);
      // An answer to our sync step 1, initial or resync.
      if (step === SyncStep.Step2) this.#dispatch('sync-done');
    };
    handlers[MessageType.Saved] = this.#sidecarHandler((msg) => {
      if (msg.type === 'saved') this.#onSaved(Y.decodeStateVector(msg.stateVector), decodeDeleteSet(msg.deleteSet));
    });
    handlers[MessageType.Checksum] = this.#sidecarHandler((msg) => {
      if (msg.type === 'checksum') this.#onChecksum(msg.stateVector, msg.checksum);
    });
    handlers[MessageType.Error] = this.#sidecarHandler((msg) => {
      if (msg.type === 'error') this.events.emit('error', { error: new Error(`server error ${msg.reason}: ${msg.detail}`) });
    });
  }

  /** Wraps a sidecar message callback in y-websocket's handler signature. */
  #sidecarHandler(handle: (msg: ProtocolMessage) => void): MessageHandler {
    return (_encoder: encoding.Encoder, decoder: decoding.Decoder) => {
      const frame = decoder.arr;
      decoder.pos = frame.length;
      let msg: ProtocolMessage;
      try {
        msg = decodeMessage(frame);
      } catch (error) {
        this.events.emit('error', { error });
        return;
      }
      handle(msg);
    };
  }

  readonly #onDocUpdate = (_update: Uint8Array, _origin: unknown, doc: Y.Doc, transaction: Y.Transaction): void => {
    const change = localChange(transaction);
    if (change === null) return;
    this.#detector.noteLocalChange();
    this.#pending.record(doc.clientID, change);
    this.#pendingCount.set(this.#pending.count);
    this.#persistPending();
  };

  #onSaved(stateVector: Map<number, number>, deletes: DeleteRangesByClient): void {
    if (this.#pending.confirm(stateVector, deletes)) {
      this.#pendingCount.set(this.#pending.count);
      this.#persistPending();
    }
    this.events.emit('saved', { stateVector, pendingChanges: this.#pending.count });
  }

  #onChecksum(encodedServerSV: Uint8Array, checksum: string): void {
    this.#lastServerSV = encodedServerSV;
    if (this.#state.get() !== SyncState.SYNCED) return;
    const serverSV = Y.decodeStateVector(encodedServerSV);
    const reason = this.#detector.check(this.doc, serverSV, checksum);
    if (reason === null) return;
    this.#dispatch('drift');
    this.#driftCount.set(this.#driftCount.get() + 1);
    this.events.emit('drift', { reason, driftCount: this.#driftCount.get() });
    this.#sendResync(encodedServerSV);
  }

  /** Sync step 1 (what we hold) plus what the server lacks; its step 2 answer ends the resync. */
  #sendResync(encodedServerSV: Uint8Array): void {
    const ws = this.provider.ws;
    if (!ws || !this.provider.wsconnected || ws.readyState !== 1 /* OPEN */) return;
    ws.send(encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc) }));
    ws.send(encodeMessage({ type: 'sync-update', update: Y.encodeStateAsUpdate(this.doc, encodedServerSV) }));
    this.#dispatch('resync');
    this.#clearResyncTimer();
    this.#resyncTimer = setTimeout(() => {
      this.#resyncTimer = null;
      if (this.#state.get() !== SyncState.RESYNCING || this.provider.ws !== ws) return;
      // No answer: a fresh connection syncs from scratch.
      this.#forcingReconnect = true;
      ws.close();
    }, this.#opts.resyncTimeoutMs);
  }

  /** Writes the unconfirmed list; writes requested while one is running collapse into one. */
  #persistPending(): void {
    if (this.#destroyed) return;
    if (this.#metaWrite) {
      this.#metaDirty = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.#metaDirty = false;
        try {
          await this.#opts.persistence.setMeta(PENDING_META_KEY, serializePending(this.#pending.entries));
        } catch (error) {
          this.events.emit('error', { error });
        }
        // Keeps going after destroy() began: it waits for this loop, so the last list is written.
      } while (this.#metaDirty);
    };
    this.#metaWrite = run().finally(() => {
      this.#metaWrite = null;
    });
  }
}

/**
 * Reconnect unless the close code says not to. Codes in the protocol's table
 * carry their own verdict; unknown ones follow y-websocket's convention that
 * only 4400–4499 (the HTTP 4xx mirror) are permanent.
 */
export function isRetryable(code: number): boolean {
  return closeInfo(code)?.retry ?? !(code >= 4400 && code < 4500);
}
