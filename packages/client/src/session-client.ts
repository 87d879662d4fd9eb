import {
  APPROVAL_RESOLVE_TYPE,
  DocProjector,
  GM_DOC_SCHEMA,
  TABLE_DOC_SCHEMA,
  type ApprovalRequest,
  type IntentRegistry,
  type JsonObject,
  type JsonPatchOp,
  type SessionRole,
} from '@dungeon-lab/events';
import type { DerivedState, GameSystemPlugin, UserAction } from '@dungeon-lab/plugin-api';
import { settlePendingStructs } from '@dungeon-lab/protocol';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { refusalFromProbe, type Refusal } from './access-probe.ts';
import { auditEntryFromRest, type AuditEntry } from './audit-log.ts';
import { resolveBackoff, type BackoffOptions, type RandomSource } from './backoff.ts';
import { connectionCredentials, readToken, type ConnectionSettings, type TokenSource, type TokenTransport } from './connection-credentials.ts';
import { DocSync } from './doc-sync.ts';
import type { DriftReason } from './drift-detector.ts';
import { EventEmitter } from './event-emitter.ts';
import { ANONYMOUS_USER, EventLogClient, type EventQueueTiming, type Submitted } from './event-log-client.ts';
import type { PendingIntent } from './event-queue.ts';
import { GameSystems } from './game-systems.ts';
import { lazyValue } from './lazy-value.ts';
import { hasIndexedDb, indexedDbPersistence } from './indexeddb-persistence.ts';
import { decodeJwtClaims } from './jwt-claims.ts';
import { docStorageName } from './local-data.ts';
import { memoryPersistence } from './memory-persistence.ts';
import type { DocPersistenceFactory } from './persistence.ts';
import { createValue, derivedValue, type ReadableValue, type WritableValue } from './readable-value.ts';
import { SessionApi, isRedacted, type ApiResult, type SessionInfo } from './session-api.ts';
import { SidecarChannel, type WebSocketConstructor } from './sidecar-channel.ts';
import { SyncState, aggregateSyncState } from './sync-state.ts';
import { type WriteDenial, recoverFromWriteDenials } from './write-denial-recovery.ts';

export interface SessionClientOptions {
  /** Sync server base URL: http(s):// or ws(s)://. */
  readonly serverUrl: string;
  readonly sessionId: string;
  /**
   * Documents of the session, e.g. ['table']; each syncs as room
   * `sessions/<sessionId>/<doc>`. The server has `table` (every member),
   * `gm` (GMs) and `players/<userId>` (that player and GMs).
   */
  readonly docs: readonly string[];
  /**
   * The bearer token (a JWT), or a function returning the current one: it is
   * called before every connection attempt and API call, so a UI can refresh
   * an expiring token.
   */
  readonly token: TokenSource;
  /** How sockets carry the token: `subprotocol` (default; keeps it out of URLs and logs) or `query`. */
  readonly tokenTransport?: TokenTransport;
  /** Local storage; default IndexedDB where it exists, else memory (nothing survives the process). */
  readonly persistence?: DocPersistenceFactory;
  /** WebSocket implementation where there is no global one (Node: the `ws` package). */
  readonly WebSocketPolyfill?: WebSocketConstructor;
  /** Extra URL query parameters; a function is called again before every connection. */
  readonly params?: Record<string, string> | (() => Record<string, string>);
  readonly backoff?: Partial<BackoffOptions>;
  /** Random source for reconnect jitter (tests inject a seeded one). */
  readonly random?: RandomSource;
  /** Connect once local storage is loaded (default true); otherwise call `connect()`. */
  readonly connect?: boolean;
  /** How long to wait for the server's answer to a resync before reconnecting (default 10 s). */
  readonly resyncTimeoutMs?: number;
  /**
   * First segment of local storage names (default `dungeon-lab`), so apps
   * never share storage; names go on with the user: `<prefix>/<userId>/sessions/<id>/<doc>` ([EQ24]).
   */
  readonly storagePrefix?: string;
  /**
   * Who predictions run as. Default: the token's `sub`, read without
   * verifying (the server verifies; it never takes an identity from the client).
   * With a token function (or a token without `sub`) it also names whose local
   * storage this is, and is required for it ([EQ24]); every token the
   * function returns must then be this user's.
   */
  readonly userId?: string;
  /** The role in the session, used for predictions until the server has told the client its role. */
  readonly role?: SessionRole;
  /** Intent definitions used to predict effects; must match the server's (default: the core intents plus the plugins'). */
  readonly intents?: IntentRegistry;
  /** Game systems: their intents are predicted, `act` and `derived` use them. Must match the server's. */
  readonly plugins?: readonly GameSystemPlugin[];
  /** Event queue timing (defaults: 50 ms window, 10 per batch, retries after 100/200/400/800/1600 ms) and the doc-gap grace period. */
  readonly eventQueue?: EventQueueTiming & { readonly gapGraceMs?: number };
  /** Entries kept in `log` (default 500). */
  readonly logLimit?: number;
  /**
   * The HTTP API (role lookup, refused-upgrade probe, approval queue,
   * `fetchLog`): a fetch implementation, or false for none. Default: the
   * global fetch.
   */
  readonly fetch?: typeof fetch | false;
  /**
   * Where the browser says the network is back (`online` events), so waiting
   * reconnects go at once ([EQ29]). Default: the global scope where it has
   * `addEventListener` (a page or a worker); none in Node.
   */
  readonly networkEvents?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null;
}

/** A permanent refusal of one document: the server's close code, or the one its HTTP refusal maps to. */
export interface DocRefusal extends Refusal {
  readonly doc: string;
}

/** Who this client is in the session. */
export interface SessionIdentity {
  /** The token's `sub` (or the `userId` option); `anonymous` while unknown. */
  readonly userId: string;
  /** Null until the server has told it (and with no `role` option). */
  readonly role: SessionRole | null;
}

export interface SessionClientEvents {
  [event: string]: (payload: never) => void;
  /** A document changed sync state. The aggregate is `syncState`. */
  transition: (e: { doc: string; from: SyncState; to: SyncState }) => void;
  /** A checksum showed a document had drifted from the server; a resync follows. */
  drift: (e: { doc: string; reason: DriftReason; driftCount: number }) => void;
  /** The server confirmed updates durable. */
  saved: (e: { doc: string; stateVector: Map<number, number>; pendingChanges: number }) => void;
  /**
   * The server refused a document for good — a permanent close code
   * (4401, 4403, 4410, …), or a refused upgrade found out by asking the API —
   * and it stays offline until `connect()`.
   */
  closed: (e: DocRefusal) => void;
  /** A reconnect was scheduled after a dropped connection. */
  reconnect: (e: { doc: string; attempt: number; delayMs: number }) => void;
  /** This client's edits of a document are made under a short client id the server leased it from now on ([P15]). */
  'client-id': (e: { doc: string; clientId: number }) => void;
  /**
   * The server refused a local edit (a write rule of the table, docs/security.md):
   * it was not applied, stored or relayed. The doc is rebuilt from the server next ('rebuilt').
   */
  'write-denied': (e: { doc: string; reason: string }) => void;
  /**
   * After a refused edit the doc was started over from the server ([W21]):
   * `doc(name)` is a new Y.Doc (bind to it again); its unsent local edits are gone.
   */
  rebuilt: (e: { doc: string } & WriteDenial) => void;
  error: (e: { doc: string; error: unknown }) => void;
  destroyed: (e: void) => void;
}

const NAME_PATTERN = /^[^/\s][^/]*$/;

/** Doc names are `/`-separated segments (`players/<userId>`), none empty, `.` or `..`. */
function isValidDocName(name: string): boolean {
  return name.split('/').every((segment) => NAME_PATTERN.test(segment) && segment !== '.' && segment !== '..');
}

function toWebSocketUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`unsupported server URL ${serverUrl}`);
  return url.toString().replace(/\/+$/, '');
}

/** The document that carries the session's event log. */
export const TABLE_DOC = 'table';

/** The GM's document: hidden tokens and actors, secret rolls, notes (GMs only). */
export const GM_DOC = 'gm';

export function roomName(sessionId: string, doc: string): string {
  return `sessions/${encodeURIComponent(sessionId)}/${doc.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * A token function handed over another user's token: this client's local
 * storage (documents, queued intents) is not theirs, so the attempt fails
 * before anything is sent ([EQ24]). A token without `sub` cannot be checked.
 */
function checkTokenUser(token: string, storageUser: string): void {
  const sub = decodeJwtClaims(token)?.sub;
  if (sub !== undefined && sub !== storageUser) {
    throw new Error(`the token is ${JSON.stringify(sub)}'s, this client's local storage ${JSON.stringify(storageUser)}'s: one SessionClient per user`);
  }
}

function defaultPersistence(): DocPersistenceFactory {
  return hasIndexedDb() ? indexedDbPersistence() : memoryPersistence();
}

/**
 * One game session on one client: a Y.Doc per session document, each kept in
 * local storage and synced with the server, the event log of the table doc,
 * and the session's game systems. State for a UI is exposed as subscribable
 * values (`syncState`, `view`, `pendingIntents`, `approvals`, `log`, …).
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
  /** The HTTP API with this client's token; null when built with `fetch: false`. */
  readonly api: SessionApi | null;
  readonly #docs = new Map<string, DocSync>();
  readonly #events = new EventEmitter<SessionClientEvents>();
  readonly #derived: Array<{ dispose(): void }> = [];
  readonly #json = new Map<string, ReadableValue<JsonObject>>();
  readonly #eventLog: EventLogClient | null = null;
  readonly #identity: WritableValue<SessionIdentity>;
  readonly #sessionInfo = createValue<SessionInfo | null>(null);
  readonly #refusal = createValue<DocRefusal | null>(null);
  readonly #systems: GameSystems;
  readonly #fixedUserId: boolean;
  /** The token of the latest connection attempt: the probe asks about that one, not a newer one. */
  #lastToken: string | null = null;
  #sessionFetches = 0;
  #destroyed: Promise<void> | null = null;

  constructor(options: SessionClientOptions) {
    if (!NAME_PATTERN.test(options.sessionId)) throw new TypeError(`invalid sessionId ${JSON.stringify(options.sessionId)}`);
    if (options.docs.length === 0) throw new TypeError('a session needs at least one doc');
    for (const name of options.docs) {
      if (!isValidDocName(name)) throw new TypeError(`invalid doc name ${JSON.stringify(name)}`);
    }
    if (new Set(options.docs).size !== options.docs.length) throw new TypeError('doc names must be unique');
    if (!options.WebSocketPolyfill && typeof WebSocket === 'undefined') {
      throw new TypeError('no global WebSocket here: pass WebSocketPolyfill (in Node, the `ws` package)');
    }
    if (typeof options.token !== 'string' && typeof options.token !== 'function') throw new TypeError('a token (or a function returning one) is required');
    this.sessionId = options.sessionId;
    this.docNames = [...options.docs];
    const serverUrl = toWebSocketUrl(options.serverUrl);
    const staticSub = typeof options.token === 'string' ? decodeJwtClaims(options.token)?.sub : undefined;
    // Whose local storage this is ([EQ24]): whom the server takes this client for. A string token says; a token
    // function's tokens are not known yet, so the userId option stands for them and each is checked against it.
    const storageUser = staticSub ?? options.userId ?? null;
    if (storageUser === null && (options.persistence !== undefined || hasIndexedDb())) {
      throw new TypeError("whose local storage? Pass userId (a token function or a token without `sub` does not say): one user's cached documents and queued intents must never be another's");
    }
    // Without a user, nothing is stored beyond this client's own memory.
    const persistence = options.persistence ?? defaultPersistence();
    const storageName = (room: string) => docStorageName(storageUser ?? ANONYMOUS_USER, room, options.storagePrefix);
    const backoff = resolveBackoff(options.backoff);
    const params = options.params;
    const readParams = typeof params === 'function' ? params : () => ({ ...params });
    const transport = options.tokenTransport ?? 'subprotocol';
    this.#systems = new GameSystems(options.plugins ?? []);
    const registry = this.#systems.registry(options.intents);

    this.#fixedUserId = options.userId !== undefined;
    this.#identity = createValue<SessionIdentity>(
      { userId: options.userId ?? staticSub ?? ANONYMOUS_USER, role: options.role ?? null },
      (a, b) => a.userId === b.userId && a.role === b.role,
    );
    const fetchImpl = options.fetch === false ? undefined : (options.fetch ?? (typeof fetch === 'function' ? fetch : undefined));
    this.api = fetchImpl === undefined ? null : new SessionApi({ serverUrl: options.serverUrl, token: options.token, fetch: fetchImpl });

    // Read before every attempt: the token (perhaps refreshed), then what else the URL carries.
    const settingsFor = (extra: () => Record<string, string>) => (): ConnectionSettings | Promise<ConnectionSettings> => {
      const build = (token: string): ConnectionSettings => {
        if (typeof options.token === 'function' && storageUser !== null) checkTokenUser(token, storageUser);
        this.#noteToken(token);
        const credentials = connectionCredentials(token, transport);
        return { params: { ...readParams(), ...extra(), ...credentials.params }, protocols: credentials.protocols };
      };
      const token = readToken(options.token);
      return typeof token === 'string' ? build(token) : Promise.resolve(token).then(build);
    };

    for (const name of this.docNames) {
      const room = roomName(this.sessionId, name);
      const doc = new Y.Doc();
      settlePendingStructs(doc);
      // Created before DocSync subscribes to the doc: see its constructor.
      const docPersistence = persistence(storageName(room), doc);
      const isTable = name === TABLE_DOC;
      const channel = new SidecarChannel({ serverUrl, room, doc, WebSocketPolyfill: options.WebSocketPolyfill });
      const sync: DocSync = new DocSync({
        channel,
        persistence: docPersistence,
        // The table socket also says how far it has read the event log ([EQ9]).
        connection: settingsFor(isTable ? () => this.#eventLog?.connectionParams() ?? {} : () => ({})),
        probe: this.api === null ? undefined : () => this.#probe(name),
        backoff,
        random: options.random ?? Math.random,
        resyncTimeoutMs: options.resyncTimeoutMs ?? 10_000,
        afterLoad: isTable ? () => this.#eventLog?.load() ?? Promise.resolve() : undefined,
      });
      if (isTable) {
        this.#eventLog = new EventLogClient({
          sessionId: this.sessionId,
          identity: () => {
            const { userId, role } = this.#identity.get();
            return role === null ? { userId } : { userId, role };
          },
          doc,
          channel,
          persistence: docPersistence,
          registry,
          timing: options.eventQueue,
          gapGraceMs: options.eventQueue?.gapGraceMs,
          logLimit: options.logLimit,
        });
        this.#eventLog.on('error', (e) => this.#events.emit('error', { doc: name, ...e }));
      }
      sync.events.on('transition', (e) => this.#events.emit('transition', { doc: name, ...e }));
      sync.events.on('drift', (e) => this.#events.emit('drift', { doc: name, ...e }));
      sync.events.on('saved', (e) => this.#events.emit('saved', { doc: name, ...e }));
      sync.events.on('closed', (e) => {
        const refusal = { doc: name, ...e };
        this.#refusal.set(refusal);
        this.#events.emit('closed', refusal);
      });
      sync.events.on('reconnect', (e) => this.#events.emit('reconnect', { doc: name, ...e }));
      sync.events.on('client-id', (e) => this.#events.emit('client-id', { doc: name, ...e }));
      sync.events.on('write-denied', (e) => this.#events.emit('write-denied', { doc: name, ...e }));
      recoverFromWriteDenials(sync, {
        createPersistence: (fresh) => persistence(storageName(room), fresh),
        replaced: (fresh, stored, denial) => {
          if (isTable) this.#eventLog?.rebind(fresh, stored);
          this.#events.emit('rebuilt', { doc: name, ...denial });
        },
        onError: (error) => this.#events.emit('error', { doc: name, error }),
      });
      sync.events.on('error', (e) => this.#events.emit('error', { doc: name, ...e }));
      this.#docs.set(name, sync);
    }

    // The session (and this client's role in it) is asked for on every connection of the main doc: roles change.
    const main = this.#docs.get(TABLE_DOC) ?? this.#docs.get(this.docNames[0]!)!;
    main.channel.status.subscribe((status) => {
      if (status === 'connected') void this.refreshSession();
    });
    this.#identity.subscribe(() => this.#eventLog?.refreshView());

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

    const network = options.networkEvents !== undefined ? options.networkEvents : typeof globalThis.addEventListener === 'function' ? globalThis : null;
    if (network !== null) {
      const onOnline = () => {
        for (const sync of this.#docs.values()) sync.reconnectNow();
      };
      network.addEventListener('online', onOnline);
      this.#derived.push({ dispose: () => network.removeEventListener('online', onOnline) });
    }

    if (options.connect ?? true) this.connect();
    // Storage failures are reported per doc as 'error'; load() itself does not reject.
    this.ready = Promise.all(syncs.map((s) => s.load())).then(() => undefined);
  }

  #sync(name: string): DocSync {
    const sync = this.#docs.get(name);
    if (!sync) throw new RangeError(`unknown doc ${JSON.stringify(name)}; this session has ${this.docNames.join(', ')}`);
    return sync;
  }

  /** The document now; after a refused edit it is replaced ([W21]): `docValue` tells when. */
  doc(name: string): Y.Doc {
    return this.#sync(name).doc;
  }

  /**
   * The document as a value that changes when it is replaced (a refused
   * edit, [W21], [EQ21]): what a UI binds to, e.g. with useSyncExternalStore.
   */
  docValue(name: string): ReadableValue<Y.Doc> {
    return this.#sync(name).docValue;
  }

  /**
   * A document's JSON as this client holds it — no predictions (the table
   * with them is `view`) — for the documents whose shape is known: `table`
   * and `gm` ([EQ27]). Parts that did not change keep their identity, as in
   * the view ([EQ23]); it follows the document when a refused edit replaces
   * it. One value per document, made on first use.
   */
  json(name: string): ReadableValue<JsonObject> {
    const known = this.#json.get(name);
    if (known) return known;
    const schema = name === TABLE_DOC ? TABLE_DOC_SCHEMA : name === GM_DOC ? GM_DOC_SCHEMA : null;
    if (schema === null) throw new RangeError(`no known shape for doc ${JSON.stringify(name)}: json() reads "${TABLE_DOC}" and "${GM_DOC}"`);
    const docValue = this.docValue(name);
    let projector = new DocProjector(docValue.get(), schema);
    const value = lazyValue(() => ({ value: projector.get() }));
    let doc = docValue.get();
    const listen = (d: Y.Doc) => d.on('update', value.invalidate);
    listen(doc);
    const unsubscribe = docValue.subscribe((next) => {
      doc.off('update', value.invalidate);
      projector.destroy();
      doc = next;
      projector = new DocProjector(next, schema);
      listen(next);
      value.invalidate();
    });
    this.#derived.push({
      dispose: () => {
        unsubscribe();
        // A destroyed document has dropped its listeners already (and Yjs complains about removing them twice).
        if (!doc.isDestroyed) doc.off('update', value.invalidate);
        projector.destroy();
      },
    });
    this.#json.set(name, value);
    return value;
  }

  /** Presence (cursors, names) in a document's room: one object for the client's life, across doc replacements and client-id leases. */
  awareness(name: string): Awareness {
    return this.#sync(name).channel.awareness;
  }

  /** Low level, for tests and diagnostics: the connection of one document's room (`@dungeon-lab/client/internal`). */
  channel(name: string): SidecarChannel {
    return this.#sync(name).channel;
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

  /** Who this client acts as: the token's user and, once the server said, the session role. */
  get identity(): ReadableValue<SessionIdentity> {
    return this.#identity;
  }

  /** The session as the server describes it (name; the join code for GMs); null until fetched. */
  get sessionInfo(): ReadableValue<SessionInfo | null> {
    return this.#sessionInfo;
  }

  /** The last permanent refusal (token refused, not a member, removed, …); null while none. Cleared by `connect()`. */
  get refusal(): ReadableValue<DocRefusal | null> {
    return this.#refusal;
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

  /** Intents the server has not answered for good, in submission order: queued | sent | delivery-failed | awaiting-approval. */
  get pendingIntents(): ReadableValue<readonly PendingIntent[]> {
    return this.intents.pending;
  }

  /** GM: the open approval requests ([EL13]), by sequence. Always empty for players. */
  get approvals(): ReadableValue<readonly ApprovalRequest[]> {
    return this.intents.approvals;
  }

  /** The last entries of the session's log this client has seen (acks, broadcasts, catch-up), in sequence order. */
  get log(): ReadableValue<readonly AuditEntry[]> {
    return this.intents.log;
  }

  /**
   * The GM's decision on a critical intent, submitted as `approval:resolve`
   * through the event queue's priority lane ([EL14]). A denial needs a
   * reason; `patch` approves an edited effect instead of the predicted one.
   */
  resolveApproval(sequence: number, decision: 'approve' | 'deny', options: { reason?: string; patch?: readonly JsonPatchOp[] } = {}): Submitted {
    const payload = {
      sequence,
      decision,
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      ...(options.patch === undefined ? {} : { patch: [...options.patch] }),
    };
    return this.intents.submit(APPROVAL_RESOLVE_TYPE, payload, { priority: true });
  }

  /**
   * A UI action of a game system: the plugin turns it into an intent against
   * the current view (`createStateEvent`), which is queued like any other.
   * Throws for an unknown plugin or an action the plugin rejects (a UI bug).
   */
  act(pluginId: string, action: UserAction): Submitted {
    const { userId, role } = this.#identity.get();
    const ctx = { userId, sessionId: this.sessionId, timestamp: Date.now(), ...(role === null ? {} : { role }) };
    const intent = this.#systems.intentFor(pluginId, action, this.view.get(), ctx);
    return this.intents.submitIntent(intent);
  }

  /**
   * An actor's derived values by a game system (`computeDerivedState`) over
   * the optimistic view: call `get()` per render or subscribe; null while the
   * actor does not exist.
   */
  derived(pluginId: string, actorId: string): ReadableValue<DerivedState | null> {
    return this.#systems.derived(pluginId, actorId, this.view);
  }

  /**
   * An older page of the session's log from the server (`client.log` holds
   * only what this client saw). Entries hidden from this member are left
   * out; `next` pages past them.
   */
  async fetchLog(from: number, limit = 100): Promise<ApiResult<{ entries: AuditEntry[]; next: number | null }>> {
    if (this.api === null) return { ok: false, status: 0, error: 'this client has no HTTP API (fetch: false)' };
    const page = await this.api.events(this.sessionId, from, limit);
    if (!page.ok) return page;
    const entries = page.data.events.flatMap((e) => (isRedacted(e) ? [] : [auditEntryFromRest(e)]));
    return { ...page, data: { entries, next: page.data.next } };
  }

  /**
   * Asks the server for the session and this client's role in it (done on
   * every connection); a GM's approval list is then reconciled with the
   * server's queue. Failures leave what is known as it is.
   */
  async refreshSession(): Promise<void> {
    const api = this.#connectionApi();
    if (api === null || this.#destroyed) return;
    const fetchNo = ++this.#sessionFetches;
    const answer = await api.session(this.sessionId);
    if (fetchNo !== this.#sessionFetches || this.#destroyed || !answer.ok) return;
    this.#sessionInfo.set(answer.data);
    this.#identity.set({ ...this.#identity.get(), role: answer.data.role });
    if (!this.#eventLog) return;
    if (answer.data.role === 'gm') await this.#eventLog.reconcileApprovals(() => api.approvals(this.sessionId));
    else this.#eventLog.clearApprovals();
  }

  /**
   * The API with the token of the latest connection attempt: what the client
   * asks on its own (role, probe, queue) is about the identity it connected
   * as, and does not call a token function once more.
   */
  #connectionApi(): SessionApi | null {
    if (this.api === null) return null;
    return this.#lastToken === null ? this.api : this.api.withToken(this.#lastToken);
  }

  /** Goes online (after local storage is loaded); also resumes after a permanent close. */
  connect(): void {
    this.#refusal.set(null);
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

  /** The token's user becomes this client's identity (unless the options fixed one). */
  #noteToken(token: string): void {
    this.#lastToken = token;
    if (this.#fixedUserId) return;
    const sub = decodeJwtClaims(token)?.sub;
    if (sub !== undefined) this.#identity.set({ ...this.#identity.get(), userId: sub });
  }

  /** A socket of `doc` failed before opening: is it a refusal? (See refusalFromProbe.) */
  async #probe(doc: string): Promise<Refusal | null> {
    const api = this.#connectionApi();
    if (api === null) return null;
    const answer = await api.session(this.sessionId);
    return refusalFromProbe(answer, doc, this.#identity.get().userId);
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
