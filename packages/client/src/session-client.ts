import { createIntentRegistry, type IntentRegistry, type JsonObject } from '@dungeon-lab/events';
import type { Awareness } from 'y-protocols/awareness';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { resolveBackoff, type BackoffOptions, type RandomSource } from './backoff.ts';
import { DocSync, type WebSocketConstructor } from './doc-sync.ts';
import type { DriftReason } from './drift-detector.ts';
import { EventEmitter } from './event-emitter.ts';
import { ANONYMOUS_USER, EventLogClient, type EventQueueTiming } from './event-log-client.ts';
import type { PendingIntent } from './event-queue.ts';
import { hasIndexedDb, indexedDbPersistence } from './indexeddb-persistence.ts';
import { memoryPersistence } from './memory-persistence.ts';
import type { DocPersistenceFactory } from './persistence.ts';
import { derivedValue, type ReadableValue } from './readable-value.ts';
import { SyncState, aggregateSyncState } from './sync-state.ts';

export interface SessionClientOptions {
  /** Sync server base URL: http(s):// or ws(s)://. */
  readonly serverUrl: string;
  readonly sessionId: string;
  /** Documents of the session, e.g. ['table']; each syncs as room `sessions/<sessionId>/<doc>`. */
  readonly docs: readonly string[];
  /** Local storage; default IndexedDB where it exists, else memory (nothing survives the process). */
  readonly persistence?: DocPersistenceFactory;
  /** WebSocket implementation where there is no global one (Node: the `ws` package). */
  readonly WebSocketPolyfill?: WebSocketConstructor;
  /** Extra URL query parameters (e.g. a token); a function is called again before every connection. */
  readonly params?: Record<string, string> | (() => Record<string, string>);
  readonly backoff?: Partial<BackoffOptions>;
  /** Random source for reconnect jitter (tests inject a seeded one). */
  readonly random?: RandomSource;
  /** Connect once local storage is loaded (default true); otherwise call `connect()`. */
  readonly connect?: boolean;
  /** How long to wait for the server's answer to a resync before reconnecting (default 10 s). */
  readonly resyncTimeoutMs?: number;
  /** Prefix of local storage names, so sessions of different apps never share storage. */
  readonly storagePrefix?: string;
  /** Who this client acts as; sent as the `user` query parameter (a development identity until signed tokens land). */
  readonly userId?: string;
  /** Intent definitions used to predict effects; must match the server's (default: the core intents). */
  readonly intents?: IntentRegistry;
  /** Event queue timing (defaults: 50 ms window, 10 per batch, retries after 100/200/400/800/1600 ms) and the doc-gap grace period. */
  readonly eventQueue?: EventQueueTiming & { readonly gapGraceMs?: number };
}

export interface SessionClientEvents {
  [event: string]: (payload: never) => void;
  /** A document changed sync state. The aggregate is `syncState`. */
  transition: (e: { doc: string; from: SyncState; to: SyncState }) => void;
  /** A checksum showed a document had drifted from the server; a resync follows. */
  drift: (e: { doc: string; reason: DriftReason; driftCount: number }) => void;
  /** The server confirmed updates durable. */
  saved: (e: { doc: string; stateVector: Map<number, number>; pendingChanges: number }) => void;
  /** The server refused a document for good; it stays offline until `connect()`. */
  closed: (e: { doc: string; code: number; reason: string }) => void;
  /** A reconnect was scheduled after a dropped connection. */
  reconnect: (e: { doc: string; attempt: number; delayMs: number }) => void;
  error: (e: { doc: string; error: unknown }) => void;
  destroyed: (e: void) => void;
}

const NAME_PATTERN = /^[^/\s][^/]*$/;

function toWebSocketUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`unsupported server URL ${serverUrl}`);
  return url.toString().replace(/\/+$/, '');
}

/** The document that carries the session's event log. */
export const TABLE_DOC = 'table';

export function roomName(sessionId: string, doc: string): string {
  return `sessions/${encodeURIComponent(sessionId)}/${encodeURIComponent(doc)}`;
}

function defaultPersistence(): DocPersistenceFactory {
  return hasIndexedDb() ? indexedDbPersistence() : memoryPersistence();
}

/**
 * One game session on one client: a Y.Doc per session document, each kept in
 * local storage and synced with the server. State for a UI is exposed as
 * subscribable values (`syncState`, `pendingChanges`, `driftCount`, …).
 */
export class SessionClient {
  readonly sessionId: string;
  readonly docNames: readonly string[];
  /** Resolves once every document's local storage is loaded. */
  readonly ready: Promise<void>;
  /** Worst state over all documents. */
  readonly syncState: ReadableValue<SyncState>;
  /** Local changes (transactions) the server has not yet confirmed durable, over all documents. */
  readonly pendingChanges: ReadableValue<number>;
  /** Drifts detected (and repaired) since this client started, over all documents. */
  readonly driftCount: ReadableValue<number>;
  readonly #docs = new Map<string, DocSync>();
  readonly #events = new EventEmitter<SessionClientEvents>();
  readonly #derived: Array<{ dispose(): void }> = [];
  readonly #eventLog: EventLogClient | null = null;
  #destroyed: Promise<void> | null = null;

  constructor(options: SessionClientOptions) {
    if (!NAME_PATTERN.test(options.sessionId)) throw new TypeError(`invalid sessionId ${JSON.stringify(options.sessionId)}`);
    if (options.docs.length === 0) throw new TypeError('a session needs at least one doc');
    for (const name of options.docs) {
      if (!NAME_PATTERN.test(name)) throw new TypeError(`invalid doc name ${JSON.stringify(name)}`);
    }
    if (new Set(options.docs).size !== options.docs.length) throw new TypeError('doc names must be unique');
    if (!options.WebSocketPolyfill && typeof WebSocket === 'undefined') {
      throw new TypeError('no global WebSocket here: pass WebSocketPolyfill (in Node, the `ws` package)');
    }
    this.sessionId = options.sessionId;
    this.docNames = [...options.docs];
    const serverUrl = toWebSocketUrl(options.serverUrl);
    const persistence = options.persistence ?? defaultPersistence();
    const backoff = resolveBackoff(options.backoff);
    const params = options.params;
    const userParam: Record<string, string> = options.userId === undefined ? {} : { user: options.userId };
    const readParams = typeof params === 'function' ? () => ({ ...params(), ...userParam }) : () => ({ ...params, ...userParam });
    const prefix = options.storagePrefix ?? 'dungeon-lab';

    for (const name of this.docNames) {
      const room = roomName(this.sessionId, name);
      const doc = new Y.Doc();
      // Created before DocSync subscribes to the doc: see its constructor.
      const docPersistence = persistence(`${prefix}/${room}`, doc);
      const isTable = name === TABLE_DOC;
      const sync: DocSync = new DocSync({
        room,
        serverUrl,
        doc,
        persistence: docPersistence,
        WebSocketPolyfill: options.WebSocketPolyfill,
        // The table socket also says how far it has read the event log ([EQ9]).
        params: isTable ? () => ({ ...readParams(), ...this.#eventLog?.connectionParams() }) : readParams,
        backoff,
        random: options.random ?? Math.random,
        resyncTimeoutMs: options.resyncTimeoutMs ?? 10_000,
        afterLoad: isTable ? () => this.#eventLog?.load() ?? Promise.resolve() : undefined,
      });
      if (isTable) {
        this.#eventLog = new EventLogClient({
          sessionId: this.sessionId,
          userId: options.userId ?? ANONYMOUS_USER,
          doc,
          provider: sync.provider,
          persistence: docPersistence,
          registry: options.intents ?? createIntentRegistry(),
          timing: options.eventQueue,
          gapGraceMs: options.eventQueue?.gapGraceMs,
        });
        this.#eventLog.on('error', (e) => this.#events.emit('error', { doc: name, ...e }));
      }
      sync.events.on('transition', (e) => this.#events.emit('transition', { doc: name, ...e }));
      sync.events.on('drift', (e) => this.#events.emit('drift', { doc: name, ...e }));
      sync.events.on('saved', (e) => this.#events.emit('saved', { doc: name, ...e }));
      sync.events.on('closed', (e) => this.#events.emit('closed', { doc: name, ...e }));
      sync.events.on('reconnect', (e) => this.#events.emit('reconnect', { doc: name, ...e }));
      sync.events.on('error', (e) => this.#events.emit('error', { doc: name, ...e }));
      this.#docs.set(name, sync);
    }

    const syncs = [...this.#docs.values()];
    const syncState = derivedValue(
      syncs.map((s) => s.state),
      () => aggregateSyncState(syncs.map((s) => s.state.get())),
    );
    const pendingChanges = derivedValue(
      syncs.map((s) => s.pendingChanges),
      () => syncs.reduce((sum, s) => sum + s.pendingChanges.get(), 0),
    );
    const driftCount = derivedValue(
      syncs.map((s) => s.driftCount),
      () => syncs.reduce((sum, s) => sum + s.driftCount.get(), 0),
    );
    this.#derived.push(syncState, pendingChanges, driftCount);
    this.syncState = syncState;
    this.pendingChanges = pendingChanges;
    this.driftCount = driftCount;

    if (options.connect ?? true) this.connect();
    // Storage failures are reported per doc as 'error'; load() itself does not reject.
    this.ready = Promise.all(syncs.map((s) => s.load())).then(() => undefined);
  }

  #sync(name: string): DocSync {
    const sync = this.#docs.get(name);
    if (!sync) throw new RangeError(`unknown doc ${JSON.stringify(name)}; this session has ${this.docNames.join(', ')}`);
    return sync;
  }

  doc(name: string): Y.Doc {
    return this.#sync(name).doc;
  }

  /** The y-websocket provider of a document (awareness, low-level hooks). */
  provider(name: string): WebsocketProvider {
    return this.#sync(name).provider;
  }

  awareness(name: string): Awareness {
    return this.#sync(name).provider.awareness;
  }

  docState(name: string): ReadableValue<SyncState> {
    return this.#sync(name).state;
  }

  docPendingChanges(name: string): ReadableValue<number> {
    return this.#sync(name).pendingChanges;
  }

  docDriftCount(name: string): ReadableValue<number> {
    return this.#sync(name).driftCount;
  }

  /** The event log of the table doc: `submit`, pending intents, acks and applied entries. */
  get intents(): EventLogClient {
    if (!this.#eventLog) throw new RangeError(`intents travel on the "${TABLE_DOC}" doc, which this session does not have`);
    return this.#eventLog;
  }

  /** The table doc's JSON with the predicted effects of pending intents applied ([EQ7]). */
  get view(): ReadableValue<JsonObject> {
    return this.intents.view;
  }

  /** Intents the server has not answered for good, in submission order, each queued | sent | delivery-failed. */
  get pendingIntents(): ReadableValue<readonly PendingIntent[]> {
    return this.intents.pending;
  }

  /** Goes online (after local storage is loaded); also resumes after a permanent close. */
  connect(): void {
    for (const sync of this.#docs.values()) sync.connect();
  }

  /** Goes offline on purpose: edits stay local (and in local storage) until `connect()`. */
  disconnect(): void {
    for (const sync of this.#docs.values()) sync.disconnect();
  }

  /** Forces a resync of one or every document with the server. */
  resync(name?: string): void {
    const targets = name === undefined ? [...this.#docs.values()] : [this.#sync(name)];
    for (const sync of targets) sync.resync();
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof SessionClientEvents>(event: K, listener: SessionClientEvents[K]): () => void {
    return this.#events.on(event, listener);
  }

  /** Resolves when every document is SYNCED; rejects if the session is destroyed or refused first. */
  whenSynced(): Promise<void> {
    for (const [doc, sync] of this.#docs) {
      const refusal = sync.refusal;
      if (refusal) return Promise.reject(new Error(`server closed ${doc} for good: ${refusal.code} ${refusal.reason}`));
    }
    return this.#when(() => this.syncState.get() === SyncState.SYNCED, [this.syncState]);
  }

  /** Resolves when the server has confirmed every local change durable. */
  whenSaved(): Promise<void> {
    return this.#when(() => this.pendingChanges.get() === 0, [this.pendingChanges]);
  }

  #when(done: () => boolean, sources: ReadableValue<unknown>[]): Promise<void> {
    if (this.#destroyed) return Promise.reject(new Error('session client destroyed'));
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const cleanups: Array<() => void> = [];
      const finish = (error?: Error) => {
        cleanups.forEach((c) => c());
        if (error) reject(error);
        else resolve();
      };
      for (const source of sources) {
        cleanups.push(
          source.subscribe(() => {
            if (done()) finish();
          }),
        );
      }
      cleanups.push(this.on('closed', (e) => finish(new Error(`server closed ${e.doc} for good: ${e.code} ${e.reason}`))));
      cleanups.push(this.on('destroyed', () => finish(new Error('session client destroyed'))));
    });
  }

  /** Disconnects, writes what is still queued to local storage, and releases the documents. */
  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      this.#events.emit('destroyed', undefined);
      // Before the docs: its last queue write must land before their storage closes.
      await this.#eventLog?.close();
      await Promise.allSettled([...this.#docs.values()].map((sync) => sync.destroy()));
      for (const sync of this.#docs.values()) sync.doc.destroy();
      for (const d of this.#derived) d.dispose();
      this.#events.removeAllListeners();
    })();
    return this.#destroyed;
  }
}
