import { MemoryPersistenceStore, SessionClient, memoryPersistence } from '@dungeon-lab/client';
import { APPROVAL_RESOLVE_TYPE } from '@dungeon-lab/events';
import { decodeDeleteSet } from '@dungeon-lab/protocol';
import { seededRandom } from '@dungeon-lab/testing';
import { fuzzSystem } from './fuzz-system.ts';
import type { SimNetwork } from './sim-network.ts';

/** The address every client dials: the network routes each client to the server it is assigned to (a load balancer). */
export const LOAD_BALANCER = 'lb.fuzz';

/** What the servers told the clients, over every incarnation of every client: the checker's input. */
export interface Acknowledgements {
  /** Every `saved` a client was sent: the server said everything up to this state vector is durable ([P6]). */
  readonly saved: Array<{ client: string; doc: string; stateVector: Map<number, number> }>;
  /** Every intent a client saw sequenced (`ack`), with its sequence. */
  readonly acked: Array<{
    client: string;
    id: string;
    type: string;
    sequence: number;
    status: 'applied' | 'awaiting-approval';
    /** For a GM's `approval:resolve`: the sequence it decides (its log entry has an id of its own, [EL14]). */
    decides?: number;
  }>;
  readonly rejected: Array<{ client: string; id: string; type: string; reason: string }>;
  readonly decided: Array<{ client: string; id: string; sequence: number; decision: string }>;
  /** Things a correct run never produces: refused writes (the workload writes only what its role may), closes for good. */
  readonly anomalies: string[];
  /**
   * Deletions each client was told are durable, per document (`saved` delete sets, as ranges "client:clock+len"):
   * a run that does not converge says which a waiting change still lacks.
   */
  readonly savedDeletes: Map<string, Set<string>>;
  /** The schedule step running now (0 in setup, steps + 1 in the final flush): anomalies say when they happened. */
  step: number;
}

export function emptyAcknowledgements(): Acknowledgements {
  return { saved: [], acked: [], rejected: [], decided: [], anomalies: [], savedDeletes: new Map(), step: 0 };
}

export interface FuzzUser {
  readonly name: string;
  readonly userId: string;
  readonly token: string;
  readonly role: 'gm' | 'player';
}

/** A copy of a client's local storage as it is at this instant: what a crashed tab leaves behind. */
function snapshotStorage(store: MemoryPersistenceStore): MemoryPersistenceStore {
  const copy = new MemoryPersistenceStore();
  for (const [name, record] of store.records) copy.records.set(name, { updates: [...record.updates], meta: new Map(record.meta) });
  return copy;
}

/**
 * One user's client across reloads: the real SessionClient over the
 * simulated network, its local storage (which outlives each SessionClient
 * object), and the recording of what it was acknowledged.
 */
export class FuzzClient {
  readonly user: FuzzUser;
  readonly docs: readonly string[];
  readonly #network: SimNetwork;
  readonly #sessionId: string;
  readonly #acks: Acknowledgements;
  readonly #seed: number;
  #storage = new MemoryPersistenceStore();
  #client: SessionClient;
  #incarnation = 0;
  /** Offline on purpose (`disconnect()`), so a reload stays offline too. */
  disconnected = false;

  constructor(options: { user: FuzzUser; docs: readonly string[]; network: SimNetwork; sessionId: string; acks: Acknowledgements; seed: number }) {
    this.user = options.user;
    this.docs = options.docs;
    this.#network = options.network;
    this.#sessionId = options.sessionId;
    this.#acks = options.acks;
    this.#seed = options.seed;
    this.#client = this.#build();
  }

  get client(): SessionClient {
    return this.#client;
  }

  get storage(): MemoryPersistenceStore {
    return this.#storage;
  }

  get name(): string {
    return this.user.name;
  }

  #build(): SessionClient {
    const name = this.user.name;
    const client = new SessionClient({
      serverUrl: `http://${LOAD_BALANCER}`,
      sessionId: this.#sessionId,
      token: this.user.token,
      docs: this.docs,
      WebSocketPolyfill: this.#network.webSocketFor(name),
      fetch: this.#network.fetchFor(name),
      persistence: memoryPersistence(this.#storage),
      plugins: [fuzzSystem],
      backoff: { initialDelayMs: 20, maxDelayMs: 250 },
      // Jitter from the seed: the same run backs off by the same draws.
      random: seededRandom(this.#seed * 7919 + this.#incarnation++),
      resyncTimeoutMs: 1_500,
      eventQueue: { batchWindowMs: 10, retryDelaysMs: [50, 100, 200, 400, 800] },
      networkEvents: null,
      connect: !this.disconnected,
    });
    const acks = this.#acks;
    client.on('saved', (e) => acks.saved.push({ client: name, doc: e.doc, stateVector: new Map(e.stateVector) }));
    for (const doc of this.docs) {
      // Read off the doc's channel (the diagnostics seam): the client's `saved` event carries no delete set.
      client.channel(doc).on('saved', (msg) => {
        const key = `${name} ${doc}`;
        const seen = acks.savedDeletes.get(key) ?? new Set<string>();
        for (const [owner, ranges] of decodeDeleteSet(msg.deleteSet)) for (const r of ranges) seen.add(`${owner}:${r.clock}+${r.len}`);
        acks.savedDeletes.set(key, seen);
      });
    }
    client.on('write-denied', (e) => acks.anomalies.push(`step ${acks.step}: ${name}: write to ${e.doc} denied: ${e.reason}`));
    client.on('closed', (e) => acks.anomalies.push(`step ${acks.step}: ${name}: ${e.doc} closed for good: ${e.code} ${e.reason}`));
    client.intents.on('ack', (e) => {
      const decides = e.intent.type === APPROVAL_RESOLVE_TYPE ? (e.intent.payload as { sequence: number }).sequence : undefined;
      acks.acked.push({ client: name, id: e.id, type: e.intent.type, sequence: e.sequence, status: e.status, ...(decides === undefined ? {} : { decides }) });
    });
    client.intents.on('rejected', (e) => acks.rejected.push({ client: name, id: e.id, type: e.intent.type, reason: e.reason }));
    client.intents.on('decided', (e) => acks.decided.push({ client: name, id: e.id, sequence: e.sequence, decision: e.decision }));
    return client;
  }

  /** A page reload: the client shuts down cleanly (queued writes land in local storage) and is built again from it. */
  async reload(): Promise<void> {
    await this.#client.destroy();
    this.#client = this.#build();
  }

  /**
   * A crashed tab: its connections reset, its local storage is what it was
   * at that instant (a later write of the dying object is not kept), and a
   * new client is built from it.
   */
  crashReload(): void {
    this.#network.cutClient(this.user.name);
    const survivor = snapshotStorage(this.#storage);
    const dying = this.#client;
    // Its last writes go to the storage nobody reads any more.
    void dying.destroy();
    this.#storage = survivor;
    this.#client = this.#build();
  }

  disconnect(): void {
    this.disconnected = true;
    this.#client.disconnect();
  }

  connect(): void {
    this.disconnected = false;
    this.#client.connect();
  }
}
