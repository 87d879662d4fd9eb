import { CloseCode, closeInfo, decodeDeleteSet, settlePendingStructs } from '@dungeon-lab/protocol';
import * as Y from 'yjs';
import type { Refusal } from './access-probe.ts';
import { backoffDelay, type BackoffOptions, type RandomSource } from './backoff.ts';
import type { ConnectionSettings } from './connection-credentials.ts';
import { DriftDetector, type DriftReason } from './drift-detector.ts';
import { EventEmitter } from './event-emitter.ts';
import { type DeleteRangesByClient, PendingChanges, localChange, parsePending, serializePending } from './pending-changes.ts';
import type { DocPersistence } from './persistence.ts';
import { createValue, type ReadableValue, type WritableValue } from './readable-value.ts';
import type { ChannelClose, ChannelStatus, SidecarChannel } from './sidecar-channel.ts';
import { localStateVector } from './state-vector.ts';
import { SyncState, nextSyncState, type SyncEvent } from './sync-state.ts';

/** Metadata key of the unconfirmed local changes list. */
export const PENDING_META_KEY = 'dl:pending';

export interface DocSyncOptions {
  /** The room's connection, carrying the document to sync (`channel.doc`). */
  readonly channel: SidecarChannel;
  readonly persistence: DocPersistence;
  /**
   * Query parameters and subprotocols of the next attempt, read before every
   * one (this is where a token is fetched). A promise delays the attempt; a
   * failure counts as a failed attempt.
   */
  readonly connection: () => ConnectionSettings | Promise<ConnectionSettings>;
  /**
   * Asked when a socket failed before it opened, which is all a WebSocket
   * shows of a refused upgrade: a refusal stops reconnecting as a permanent
   * close code would; null (or a failure) means retry.
   */
  readonly probe?: () => Promise<Refusal | null>;
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
  closed: (e: Refusal) => void;
  reconnect: (e: { attempt: number; delayMs: number }) => void;
  /** The server refused an update of ours (a write rule); it was not applied, stored or relayed. */
  'write-denied': (e: { reason: string }) => void;
  error: (e: { error: unknown }) => void;
  /** Our edits of this document are made under this (server-leased) client id from now on. */
  'client-id': (e: { clientId: number }) => void;
}

/**
 * Keeps one Y.Doc in sync: local persistence, the room's connection (a
 * SidecarChannel), the sync state machine, unconfirmed-change tracking,
 * drift detection and jittered reconnects: the channel opens one socket per
 * attempt, and when to try again is decided here.
 */
export class DocSync {
  readonly channel: SidecarChannel;
  readonly events = new EventEmitter<DocSyncEvents>();
  readonly #doc: WritableValue<Y.Doc>;
  #opts: DocSyncOptions;
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
  #refusal: Refusal | null = null;
  /** Bumped by every connect, disconnect and attempt: a token fetch or probe that finishes under an older value is stale. */
  #epoch = 0;

  constructor(opts: DocSyncOptions) {
    this.#opts = opts;
    this.channel = opts.channel;
    this.#doc = createValue(opts.channel.doc);
    this.#listen();
    // Registered after the persistence's and the channel's own listeners, so a
    // change is in local storage before it is on the unconfirmed list.
    this.doc.on('update', this.#onDocUpdate);
  }

  /** The synced document; a different one after `rebuild`. */
  get doc(): Y.Doc {
    return this.#doc.get();
  }

  /** The synced document as a value: changes when `rebuild` replaces it. */
  get docValue(): ReadableValue<Y.Doc> {
    return this.#doc;
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

  /** Set while the server's last close (or a probe) said not to reconnect; cleared by `connect()`. */
  get refusal(): Refusal | null {
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

  /**
   * The network is back ([EQ29]): a reconnect waiting out its backoff goes
   * now, with the backoff started over. Nothing changes for a document that
   * is connected, offline on purpose, or refused for good.
   */
  reconnectNow(): void {
    if (this.#destroyed || !this.#wantOnline || this.#reconnectTimer === null) return;
    this.#clearReconnectTimer();
    this.#attempt = 0;
    this.#openSocket();
  }

  /** Goes offline on purpose: no reconnects until `connect()`. */
  disconnect(): void {
    this.#wantOnline = false;
    this.#epoch++;
    this.#clearReconnectTimer();
    this.#clearResyncTimer();
    // Emits the channel's close (handled as deliberate) if a socket exists.
    this.channel.close();
    this.#dispatch('close');
  }

  /** Asks the server for everything again and sends it everything it may lack. */
  resync(): void {
    if (this.#state.get() !== SyncState.SYNCED && this.#state.get() !== SyncState.OUT_OF_SYNC) return;
    this.#sendResync(this.#lastServerSV ?? Y.encodeStateVector(new Y.Doc()));
  }

  /**
   * Starts the document over from the server (docs/security.md, [W21]): the
   * socket closes, the doc's local storage (its updates and the unconfirmed
   * list) is deleted, and a fresh Y.Doc, stored by `createPersistence`, takes
   * its place on the same channel and syncs from scratch. For a doc that
   * holds operations the server refused: it can never send them, nor anything
   * after them. Unconfirmed local edits go with it. `replaced` runs with the
   * fresh doc before it connects, then `docValue` changes to it. Closes the
   * socket before it returns.
   */
  async rebuild(createPersistence: (doc: Y.Doc) => DocPersistence, replaced?: (doc: Y.Doc, persistence: DocPersistence) => void): Promise<void> {
    if (this.#destroyed) return;
    const online = this.#wantOnline;
    // No socket from here until the new doc is in place: nothing the old doc does is sent.
    this.disconnect();
    // Nor counted.
    this.doc.off('update', this.#onDocUpdate);
    await this.#metaWrite;
    await this.#opts.persistence.clearData();
    if (this.#destroyed) return;
    const doc = new Y.Doc();
    settlePendingStructs(doc);
    // Listeners in the constructor's order: storage first, then the channel, then the unconfirmed list.
    const persistence = createPersistence(doc);
    this.#opts = { ...this.#opts, persistence };
    this.channel.swapDoc(doc);
    doc.on('update', this.#onDocUpdate);
    this.#pending = new PendingChanges();
    this.#pendingCount.set(0);
    this.#detector.reset();
    this.#lastServerSV = null;
    replaced?.(doc, persistence);
    this.#doc.set(doc);
    try {
      await persistence.load();
    } catch (error) {
      this.events.emit('error', { error });
    }
    this.#persistPending();
    if (online && !this.#destroyed) this.connect();
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#wantOnline = false;
    this.#clearReconnectTimer();
    this.#clearResyncTimer();
    this.doc.off('update', this.#onDocUpdate);
    this.channel.destroy();
    this.#dispatch('close');
    try {
      await this.#metaWrite;
      await this.#opts.persistence.destroy();
    } finally {
      this.events.removeAllListeners();
    }
  }

  #openSocket(): void {
    if (this.#destroyed || !this.#wantOnline) return;
    const epoch = ++this.#epoch;
    let settings: ConnectionSettings | Promise<ConnectionSettings>;
    try {
      settings = this.#opts.connection();
    } catch (error) {
      this.#attemptFailed(error);
      return;
    }
    // A static token connects in this same call, as before tokens existed; a token function may take a while.
    if (!isPromiseLike(settings)) {
      this.channel.open(settings);
      return;
    }
    settings.then(
      (resolved) => {
        if (epoch === this.#epoch && !this.#destroyed && this.#wantOnline) this.channel.open(resolved);
      },
      (error: unknown) => {
        if (epoch === this.#epoch && !this.#destroyed && this.#wantOnline) this.#attemptFailed(error);
      },
    );
  }

  /** No token (or no settings) for this attempt: reported, and retried like a dropped connection. */
  #attemptFailed(error: unknown): void {
    this.events.emit('error', { error: new Error(`cannot connect: ${error instanceof Error ? error.message : String(error)}`, { cause: error }) });
    this.#scheduleReconnect();
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

  readonly #onStatus = (status: ChannelStatus): void => {
    if (status === 'connecting') {
      this.#dispatch('connect');
    } else if (status === 'connected') {
      this.#dispatch('open');
      // Ask to keep our client id, or for a short one the server leases ([P15] in docs/protocol.md).
      this.channel.send({ type: 'client-id', clientId: this.doc.clientID });
    }
  };

  readonly #onClose = ({ close, opened }: { close: ChannelClose | null; opened: boolean }): void => {
    this.#clearResyncTimer();
    this.#dispatch('close');
    const forced = this.#forcingReconnect;
    this.#forcingReconnect = false;
    if (this.#destroyed || !this.#wantOnline) return;
    if (close && !forced && !isRetryable(close.code)) {
      this.#refuse({ code: close.code, reason: close.reason });
      return;
    }
    if (close && !opened && this.#opts.probe) {
      this.#probeThenRetry(this.#opts.probe);
      return;
    }
    // A replica restarting on purpose: another serves the room now ([OPS3] in docs/operations.md). Only the
    // first drop after a sync goes at once, so a server that keeps closing with it still meets the backoff.
    if (close?.code === CloseCode.ServiceRestart && opened && this.#attempt === 0) {
      this.#reconnectAtOnce();
      return;
    }
    this.#scheduleReconnect();
  };

  #reconnectAtOnce(): void {
    this.#clearReconnectTimer();
    this.#attempt = 1;
    this.events.emit('reconnect', { attempt: this.#attempt, delayMs: 0 });
    this.#openSocket();
  }

  #refuse(refusal: Refusal): void {
    this.#wantOnline = false;
    this.#refusal = refusal;
    this.events.emit('closed', { ...refusal });
  }

  /** Stays OFFLINE while the probe runs; the backoff delay counts from its answer. */
  #probeThenRetry(probe: () => Promise<Refusal | null>): void {
    const epoch = ++this.#epoch;
    const current = () => epoch === this.#epoch && !this.#destroyed && this.#wantOnline;
    probe().then(
      (refusal) => {
        if (!current()) return;
        if (refusal) this.#refuse(refusal);
        else this.#scheduleReconnect();
      },
      (error: unknown) => {
        if (!current()) return;
        this.events.emit('error', { error });
        this.#scheduleReconnect();
      },
    );
  }

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

  #listen(): void {
    const channel = this.channel;
    channel.status.subscribe(this.#onStatus);
    channel.events.on('close', this.#onClose);
    channel.events.on('error', (e) => this.events.emit('error', e));
    // An answer to our sync step 1, initial or resync.
    channel.on('sync-step2', () => this.#dispatch('sync-done'));
    channel.on('saved', (msg) => this.#onSaved(Y.decodeStateVector(msg.stateVector), decodeDeleteSet(msg.deleteSet)));
    channel.on('checksum', (msg) => this.#onChecksum(msg.stateVector, msg.checksum));
    // A refused edit: the UI should hear of it.
    channel.on('auth-denied', (msg) => this.events.emit('write-denied', { reason: msg.reason }));
    channel.on('client-id', (msg) => this.#adoptClientId(msg.clientId));
    channel.on('error', (msg) => this.events.emit('error', { error: new Error(`server error ${msg.reason}: ${msg.detail}`) }));
  }

  /**
   * Makes our next edits under the id the server leased us. Operations made
   * under the old id keep it; an id the document already has operations of
   * (not ours to continue) is not taken.
   */
  #adoptClientId(clientId: number): void {
    const doc = this.doc;
    if (clientId === doc.clientID || doc.store.clients.has(clientId)) return;
    doc.clientID = clientId;
    this.channel.moveAwareness(clientId);
    this.events.emit('client-id', { clientId });
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
    if (!this.channel.send({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc) })) return;
    this.channel.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(this.doc, encodedServerSV) });
    this.#dispatch('resync');
    this.#clearResyncTimer();
    const connection = this.channel.connection;
    this.#resyncTimer = setTimeout(() => {
      this.#resyncTimer = null;
      if (this.#state.get() !== SyncState.RESYNCING || this.channel.connection !== connection) return;
      // No answer: a fresh connection syncs from scratch.
      this.#forcingReconnect = true;
      this.channel.drop();
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

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}
