import { type EventPage, GM_DOC, type LoggedEvent, SessionApi, SessionClient, SyncState, TABLE_DOC, isRedacted, memoryPersistence, roomName } from '@dungeon-lab/client';
import { type DocSchema, GM_DOC_SCHEMA, TABLE_DOC_SCHEMA, applyPatchToDoc } from '@dungeon-lab/events';
import { seededRandom } from '@dungeon-lab/testing';
import * as Y from 'yjs';
import { type DocState, checkChat, checkLog, checkSaved, compareDocs, coversAndEquals, docState, storedDoc } from './checker.ts';
import { type Acknowledgements, FuzzClient, type FuzzUser, LOAD_BALANCER, emptyAcknowledgements } from './fuzz-client.ts';
import { fuzzSystem } from './fuzz-system.ts';
import { LEASE_TTL_MS, ServerSlot, SharedServices } from './server-slot.ts';
import { SimNetwork } from './sim-network.ts';

export interface FuzzOptions {
  readonly seed: number;
  /** Steps of the schedule; by default drawn from the seed. A shorter run replays the same first steps (minimising). */
  readonly steps?: number;
  /** How long the final flush may take before the run counts as not converging. */
  readonly convergeTimeoutMs?: number;
}

export interface FuzzFigures {
  readonly servers: number;
  readonly clients: number;
  readonly steps: number;
  readonly ackedIntents: number;
  /** Critical intents acked as waiting for the GM. */
  readonly awaitedApproval: number;
  readonly savedAcks: number;
  readonly logLength: number;
  readonly lostUpdates: number;
  readonly lostIntents: number;
  readonly serverCrashes: number;
  readonly reloads: number;
  readonly crashReloads: number;
  readonly cuts: number;
  readonly decisions: number;
}

export interface FuzzReport {
  readonly seed: number;
  readonly figures: FuzzFigures;
  /** Empty when every check held. */
  readonly failures: string[];
  /** The schedule, one line per step. */
  readonly trace: string[];
}

/** Players' private docs hold what the fuzz writes there: a notes map. */
const PLAYER_DOC_SCHEMA: DocSchema = { notes: 'map' };

function schemaOf(doc: string): DocSchema {
  if (doc === TABLE_DOC) return TABLE_DOC_SCHEMA;
  if (doc === GM_DOC) return GM_DOC_SCHEMA;
  return PLAYER_DOC_SCHEMA;
}

/**
 * A document as a restart must reproduce it. Loading a GM room records in its
 * `/meta/sequence` how far recovery looked ([EL18]) — a server write of
 * bookkeeping the running server had no reason to make — so that one key is
 * left out; everything else must come back exactly.
 */
function reloadedSchemaOf(doc: string): DocSchema {
  if (doc !== GM_DOC) return schemaOf(doc);
  const { meta: _bookkeeping, ...rest } = GM_DOC_SCHEMA;
  return rest;
}

const ACTORS = ['a0', 'a1', 'a2'];

/** The step kinds and their weights. Every step draws the same five numbers, so the schedule is the seed's alone. */
const OPS = [
  ['edit', 24],
  ['intent', 30],
  ['decide', 5],
  ['hold', 6],
  ['release', 6],
  ['deliver', 5],
  ['cut', 5],
  ['offline', 3],
  ['online', 3],
  ['disconnect', 2],
  ['connect', 2],
  ['reload', 3],
  ['crash-reload', 2],
  ['crash-server', 2],
  ['restart-server', 3],
  ['move', 2],
  ['wait', 7],
] as const;
type OpName = (typeof OPS)[number][0];
const TOTAL_WEIGHT = OPS.reduce((sum, [, w]) => sum + w, 0);

function opAt(x: number): OpName {
  let rest = x * TOTAL_WEIGHT;
  for (const [name, weight] of OPS) {
    if (rest < weight) return name;
    rest -= weight;
  }
  return OPS[OPS.length - 1]![0];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function must<T>(answer: { ok: true; data: T } | { ok: false; status: number; error: string }, what: string): T {
  if (!answer.ok) throw new Error(`${what} failed: ${answer.status} ${answer.error}`);
  return answer.data;
}

/** The draws of one run: `rng` makes the schedule; `net` interleaves queued bytes, as many times as there are bytes queued. */
interface Draws {
  readonly rng: () => number;
  readonly net: (n: number) => number;
  readonly final: () => number;
}

class World {
  readonly network = new SimNetwork();
  readonly shared = new SharedServices();
  readonly slots: ServerSlot[];
  readonly acks: Acknowledgements = emptyAcknowledgements();
  clients: FuzzClient[] = [];
  sessionId = '';
  readonly counts = { serverCrashes: 0, reloads: 0, crashReloads: 0, decisions: 0 };
  /** When a server last died: its leases hold until they expire. */
  lastCrashAt = 0;
  /** Approval sequences the GM already decided, so the final flush does not decide one twice. */
  readonly decided = new Set<number>();

  constructor(servers: number) {
    this.slots = Array.from({ length: servers }, (_, i) => new ServerSlot(`s${i}.fuzz`, this.network, this.shared));
  }

  get gm(): FuzzClient {
    return this.clients[0]!;
  }

  /** A session with a GM and players, the players' tokens and a few actors, everyone synced: before any fault. */
  async setUp(players: number, seed: number): Promise<void> {
    for (const slot of this.slots) slot.start();
    const api = new SessionApi({ serverUrl: `http://${this.slots[0]!.host}`, fetch: this.network.fetchFor('setup') });
    const login = async (name: string, role: FuzzUser['role']): Promise<FuzzUser> => {
      const l = must(await api.devLogin(name), `login of ${name}`);
      return { name, userId: l.userId, token: l.token, role };
    };
    const gm = await login('gm', 'gm');
    const session = must(await api.withToken(gm.token).createSession('sync fuzz'), 'create session');
    this.sessionId = session.id;
    const users = [gm];
    for (let i = 1; i <= players; i++) {
      const user = await login(`p${i}`, 'player');
      must(await api.withToken(user.token).joinSession(session.id, session.joinCode), `join of ${user.name}`);
      users.push(user);
    }
    this.clients = users.map((user, i) => {
      this.network.assign(user.name, this.slots[i % this.slots.length]!.host);
      const docs = user.role === 'gm' ? [TABLE_DOC, GM_DOC] : [TABLE_DOC, `players/${user.userId}`];
      return new FuzzClient({ user, docs, network: this.network, sessionId: session.id, acks: this.acks, seed: seed * 16 + i });
    });
    const gmClient = this.gm.client;
    await gmClient.whenSynced();
    const table = gmClient.doc(TABLE_DOC);
    table.transact(() =>
      applyPatchToDoc(
        table,
        TABLE_DOC_SCHEMA,
        users.map((u) => ({ op: 'add' as const, path: `/tokens/t-${u.name}`, value: { ownerId: u.userId, x: 0, y: 0 } })),
      ),
    );
    for (const actor of ACTORS) {
      const ack = await gmClient.intents.submit('plugin:fz:spawn', { actor, hp: 6 }).result;
      if (!ack.success) throw new Error(`spawning ${actor} failed: ${ack.reason}`);
    }
    await gmClient.whenSaved();
    await Promise.all(this.clients.map((c) => c.client.whenSynced()));
    const tokens = (c: FuzzClient) => c.client.doc(TABLE_DOC).getMap('tokens').size;
    for (const c of this.clients) {
      while (tokens(c) < users.length || c.client.intents.lastSequence.get() < ACTORS.length) await sleep(5);
    }
  }

  /** One free edit, of what the client's role may write. */
  edit(c: FuzzClient, a: number, b: number, step: number): string {
    const client = c.client;
    if (c.user.role === 'gm') {
      if (a < 0.4) {
        client.doc(TABLE_DOC).getMap('scene').set(`k${Math.floor(b * 8)}`, step);
        return `scene k${Math.floor(b * 8)}=${step}`;
      }
      if (a < 0.7) {
        const tokens = client.doc(TABLE_DOC).getMap<Y.Map<number>>('tokens');
        const names = [...tokens.keys()].sort();
        const name = names[Math.floor(b * names.length)];
        const token = name === undefined ? undefined : tokens.get(name);
        if (token === undefined) return 'no token to move';
        token.set('x', step);
        return `move ${name} x=${step}`;
      }
      client.doc(GM_DOC).getMap('notes').set(`g${Math.floor(b * 6)}`, step);
      return `gm note g${Math.floor(b * 6)}=${step}`;
    }
    if (a < 0.6) {
      const token = client.doc(TABLE_DOC).getMap<Y.Map<number>>('tokens').get(`t-${c.name}`);
      if (token === undefined) return 'own token not here yet';
      const axis = b < 0.5 ? 'x' : 'y';
      token.set(axis, step);
      return `move own token ${axis}=${step}`;
    }
    client.doc(`players/${c.user.userId}`).getMap('notes').set(`n${Math.floor(b * 5)}`, step);
    return `own note n${Math.floor(b * 5)}=${step}`;
  }

  /** One intent: commutative (chat), non-commutative (hit, heal, spawn) or critical (finish, which waits for the GM). */
  intent(c: FuzzClient, a: number, b: number, step: number): string {
    const actor = ACTORS[Math.floor(b * ACTORS.length)]!;
    const intents = c.client.intents;
    let submitted: { id: string };
    let what: string;
    if (a < 0.3) {
      submitted = intents.submit('chat:message', { text: `${c.name} ${step}` });
      what = 'chat';
    } else if (a < 0.65) {
      const amount = 2 + Math.floor(((b * ACTORS.length) % 1) * 6);
      submitted = intents.submit('plugin:fz:hit', { actor, amount });
      what = `hit ${actor} ${amount}`;
    } else if (a < 0.75) {
      submitted = intents.submit('plugin:fz:heal', { actor });
      what = `heal ${actor}`;
    } else if (a < 0.92) {
      // Aimed at an actor this client sees down, so that critical intents reach the GM: the draw only picks which.
      const actors = (c.client.view.get().actors ?? {}) as Record<string, { hp?: number; dead?: boolean }>;
      const down = ACTORS.filter((id) => actors[id]?.hp === 0 && actors[id]?.dead === false);
      const target = down.length > 0 ? down[Math.floor(b * down.length)]! : actor;
      submitted = intents.submit('plugin:fz:finish', { actor: target });
      what = `finish ${target}`;
    } else {
      submitted = intents.submit('plugin:fz:spawn', { actor, hp: 6 });
      what = `spawn ${actor}`;
    }
    return `${what} (${submitted.id.slice(0, 8)})`;
  }

  decide(a: number, b: number): string {
    const open = this.gm.client.approvals.get().filter((r) => !this.decided.has(r.entry.event.sequence));
    const request = open[Math.floor(a * open.length)];
    if (request === undefined) return 'nothing to decide';
    return this.#decideOne(request.entry.event.sequence, b < 0.6);
  }

  #decideOne(sequence: number, approve: boolean): string {
    this.decided.add(sequence);
    this.counts.decisions++;
    this.gm.client.resolveApproval(sequence, approve ? 'approve' : 'deny', approve ? {} : { reason: 'the fuzz says no' });
    return `${approve ? 'approve' : 'deny'} #${sequence}`;
  }

  async step(op: OpName, draws: { c: number; s: number; a: number; b: number }, step: number, net: (n: number) => number): Promise<string> {
    const c = this.clients[draws.c % this.clients.length]!;
    const slot = this.slots[draws.s % this.slots.length]!;
    const { a, b } = draws;
    switch (op) {
      case 'edit':
        return `${c.name}: ${this.edit(c, a, b, step)}`;
      case 'intent':
        return `${c.name}: ${this.intent(c, a, b, step)}`;
      case 'decide':
        return `gm: ${this.decide(a, b)}`;
      case 'hold':
        this.network.hold(c.name);
        return `${c.name}: link held`;
      case 'release':
        this.network.release(c.name, net);
        return `${c.name}: link released`;
      case 'deliver': {
        const links = this.network.links({ client: c.name });
        const link = links[Math.floor(a * links.length)];
        if (link === undefined) return `${c.name}: no link to deliver on`;
        const n = link.deliver(b < 0.5 ? 'up' : 'down', 1 + Math.floor(((a * links.length) % 1) * 4));
        return `${c.name}: delivered ${n} ${b < 0.5 ? 'up' : 'down'} on link ${link.id}`;
      }
      case 'cut':
        return `${c.name}: cut ${this.network.cutClient(c.name)} connections`;
      case 'offline':
        this.network.offline(c.name);
        return `${c.name}: network down`;
      case 'online':
        this.network.online(c.name);
        return `${c.name}: network up`;
      case 'disconnect':
        c.disconnect();
        return `${c.name}: disconnect()`;
      case 'connect':
        c.connect();
        return `${c.name}: connect()`;
      case 'reload':
        this.counts.reloads++;
        await c.reload();
        return `${c.name}: reloaded`;
      case 'crash-reload':
        this.counts.crashReloads++;
        c.crashReload();
        return `${c.name}: crashed and reloaded from storage`;
      case 'crash-server':
        if (!slot.up) return `${slot.host}: already down`;
        this.counts.serverCrashes++;
        this.lastCrashAt = Date.now();
        slot.crash();
        return `${slot.host}: crashed`;
      case 'restart-server':
        if (slot.up) return `${slot.host}: already up`;
        slot.start();
        return `${slot.host}: restarted`;
      case 'move':
        this.network.assign(c.name, slot.host);
        if (a < 0.5) this.network.cutClient(c.name);
        return `${c.name}: now routed to ${slot.host}${a < 0.5 ? ' (reconnecting)' : ''}`;
      case 'wait': {
        const ms = 20 + Math.floor(a * 150);
        await sleep(ms);
        return `wait ${ms} ms`;
      }
    }
  }

  quiet(): boolean {
    return this.clients.every((c) => {
      const client = c.client;
      return (
        client.syncState.get() === SyncState.SYNCED &&
        client.pendingChanges.get() === 0 &&
        client.pendingIntents.get().length === 0 &&
        client.approvals.get().length === 0
      );
    });
  }

  describe(): string {
    return this.clients
      .map((c) => {
        const client = c.client;
        const pending = client.pendingIntents.get().map((p) => `${p.intent.type}:${p.state}`);
        const docs = c.docs
          .map((d) => {
            const waiting = client.docPendingChanges(d).get();
            if (waiting === 0) return `${d}:${client.docState(d).get()}`;
            // What waits, as stored, against what the doc holds: enough to tell a lost update from a lost `saved`.
            const record = [...c.storage.records.entries()].find(([k]) => k.endsWith(`/${roomName(this.sessionId, d)}`))?.[1];
            const sv = JSON.stringify([...Y.decodeStateVector(Y.encodeStateVector(client.doc(d))).entries()]);
            const told = [...(this.acks.savedDeletes.get(`${c.name} ${d}`) ?? [])].slice(-20).join(',');
            return `${d}:${client.docState(d).get()} waiting=${waiting} stored=${record?.meta.get('dl:pending') ?? '-'} sv=${sv} saved-deletes=${told || '-'}`;
          })
          .join(' ');
        return `${c.name}[${docs} seq=${client.intents.lastSequence.get()} pending=${pending.join(',') || '-'} approvals=${client.approvals.get().length}${this.network.isHeld(c.name) ? ' held' : ''}${c.disconnected ? ' disconnected' : ''}]`;
      })
      .join(' ');
  }

  /** Everyone reconnects and flushes; the GM decides what still waits. False when it does not settle in time. */
  async converge(final: () => number, timeoutMs: number): Promise<boolean> {
    for (const slot of this.slots) slot.start();
    this.network.healAll((n) => Math.floor(final() * n));
    for (const c of this.clients) if (c.disconnected) c.connect();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const request of this.gm.client.approvals.get()) {
        if (!this.decided.has(request.entry.event.sequence)) this.#decideOne(request.entry.event.sequence, final() < 0.6);
      }
      if (this.quiet()) {
        // Quiet for a moment: nothing more is on its way.
        await sleep(150);
        if (this.quiet() && this.#sameSequence()) return true;
      }
      await sleep(20);
    }
    return false;
  }

  #sameSequence(): boolean {
    const sequences = new Set(this.clients.map((c) => c.client.intents.lastSequence.get()));
    return sequences.size === 1;
  }

  /** A GM client that has never been online before, holding every document of the session: the server's state as a newcomer gets it. */
  async observe(host: string): Promise<{ docs: Map<string, DocState>; reloadable: Map<string, DocState>; log: LoggedEvent[]; client: SessionClient }> {
    const name = `observer@${host}`;
    this.network.assign(name, host);
    const docNames = [...new Set(this.clients.flatMap((c) => c.docs))];
    const client = new SessionClient({
      serverUrl: `http://${LOAD_BALANCER}`,
      sessionId: this.sessionId,
      token: this.gm.user.token,
      docs: docNames,
      WebSocketPolyfill: this.network.webSocketFor(name),
      fetch: this.network.fetchFor(name),
      persistence: memoryPersistence(),
      plugins: [fuzzSystem],
      networkEvents: null,
    });
    await client.whenSynced();
    const docs = new Map(docNames.map((d) => [d, docState(client.doc(d), schemaOf(d))] as const));
    const reloadable = new Map(docNames.map((d) => [d, docState(client.doc(d), reloadedSchemaOf(d))] as const));
    const log: LoggedEvent[] = [];
    for (let from: number | null = 1; from !== null; ) {
      const page: EventPage = must(await client.api!.events(this.sessionId, from, 500), 'reading the log');
      for (const e of page.events) if (!isRedacted(e)) log.push(e);
      from = page.next;
    }
    return { docs, reloadable, log, client };
  }

  /** Everything the run's clients hold equals the server's, their storage equals their docs, no prediction is left. */
  checkClients(serverDocs: ReadonlyMap<string, DocState>, failures: string[]): void {
    for (const c of this.clients) {
      const client = c.client;
      for (const doc of c.docs) {
        const live = docState(client.doc(doc), schemaOf(doc));
        compareDocs(`${c.name} ${doc} vs the server`, live, serverDocs.get(doc)!, failures);
        const room = `/${roomName(this.sessionId, doc)}`;
        const stored = [...c.storage.records.keys()].find((k) => k.endsWith(room));
        const fromStorage = stored === undefined ? null : storedDoc(c.storage, stored);
        if (fromStorage === null) failures.push(`${c.name} ${doc}: nothing in local storage`);
        else compareDocs(`${c.name} ${doc}: local storage vs the doc`, docState(fromStorage, schemaOf(doc)), live, failures);
      }
      const view = JSON.stringify(client.view.get());
      const plain = JSON.stringify(client.json(TABLE_DOC).get());
      if (view !== plain) failures.push(`${c.name}: a prediction overlay is left: the view differs from the table doc`);
      if (client.pendingIntents.get().length > 0) failures.push(`${c.name}: ${client.pendingIntents.get().length} intents still pending`);
    }
  }

  async tearDown(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.client.destroy()));
    this.network.healAll(() => 0);
    await Promise.allSettled(this.slots.map((s) => s.stop()));
  }
}

/**
 * One run of the seeded sync fuzz: 2–6 clients (one GM) and 1–3 servers on
 * a simulated network, a schedule of edits, intents, approvals and faults
 * drawn from the seed, then the final flush and the checks.
 */
export async function runSyncFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { seed } = options;
  const rng = seededRandom(seed);
  const netRng = seededRandom(seed ^ 0x5eed5eed);
  const draws: Draws = { rng, net: (n) => Math.floor(netRng() * n), final: seededRandom(seed ^ 0x0f1a10f1) };
  const servers = 1 + Math.floor(rng() * 3);
  const clients = 2 + Math.floor(rng() * 5);
  const drawnSteps = 30 + Math.floor(rng() * 50);
  const steps = options.steps ?? drawnSteps;
  const world = new World(servers);
  const failures: string[] = [];
  const trace: string[] = [`${servers} servers, ${clients} clients, ${steps} steps`];
  let lostUpdates = 0;
  let lostIntents = 0;
  let logLength = 0;
  const observers: SessionClient[] = [];
  try {
    await world.setUp(clients - 1, seed);
    for (let step = 1; step <= steps; step++) {
      world.acks.step = step;
      const op = opAt(draws.rng());
      const stepDraws = { c: Math.floor(draws.rng() * clients), s: Math.floor(draws.rng() * servers), a: draws.rng(), b: draws.rng() };
      trace.push(`${step}: ${await world.step(op, stepDraws, step, draws.net)}`);
      await sleep(8);
    }
    trace.push('final: every server up, every link healed, every client connected');
    world.acks.step = steps + 1;
    if (!(await world.converge(draws.final, options.convergeTimeoutMs ?? 30_000))) {
      failures.push(`no convergence: ${world.describe()}`, ...world.acks.anomalies);
      const late = await world.observe(world.slots[0]!.host).catch(() => null);
      if (late !== null) {
        observers.push(late.client);
        for (const [doc, state] of late.docs) {
          const deleted = Y.createDeleteSetFromStructStore(late.client.doc(doc).store);
          const ranges = [...deleted.clients.entries()].flatMap(([owner, items]) => items.map((i) => `${owner}:${i.clock}+${i.len}`));
          failures.push(`the server's ${doc}: ${JSON.stringify([...state.stateVector.entries()])} deleted ${ranges.slice(0, 30).join(',') || '-'}`);
        }
      }
    } else {
      const live = await world.observe(world.slots[0]!.host);
      observers.push(live.client);
      logLength = live.log.length;
      world.checkClients(live.docs, failures);
      lostUpdates = checkSaved(world.acks, live.docs, failures);
      lostIntents = checkLog(world.acks, live.log, failures);
      const table = live.client.json(TABLE_DOC).get();
      checkChat(live.log, (table.chat ?? []) as Array<{ id?: unknown }>, failures);
      const metaSequence = (table.meta as { sequence?: number } | undefined)?.sequence ?? 0;
      if (metaSequence !== live.log.length) failures.push(`the table doc holds effects up to ${metaSequence}, the log has ${live.log.length} entries`);
      for (const a of world.acks.anomalies) failures.push(a);

      // The store reloads to the same state: every server stopped, a fresh one started on the same data — twice, the
      // second exactly as the first left it. A crashed server's leases outlive it by their
      // TTL, and until then a fresh server loading a room leaves its recovery to the holder ([EL9], [EL18]): waited out.
      let before = live;
      await sleep(Math.max(0, world.lastCrashAt + LEASE_TTL_MS + 50 - Date.now()));
      for (const restart of [1, 2]) {
        await Promise.all(observers.map((o) => o.destroy()));
        observers.length = 0;
        for (const slot of world.slots) await slot.stop();
        world.slots[0]!.start();
        const reloaded = await world.observe(world.slots[0]!.host);
        observers.push(reloaded.client);
        for (const [doc, state] of before.reloadable) {
          // The second restart finds the first one's recovery stored: nothing is left to write, not even bookkeeping.
          if (restart === 1) coversAndEquals(`${doc} after restart 1 on the store`, reloaded.reloadable.get(doc)!, state, failures);
          else compareDocs(`${doc} after restart 2 on the store`, reloaded.docs.get(doc)!, before.docs.get(doc)!, failures);
        }
        const summary = (log: readonly LoggedEvent[]) => JSON.stringify(log.map((e) => [e.sequence, e.id, e.status]));
        if (summary(reloaded.log) !== summary(live.log)) failures.push(`the log read after restart ${restart} differs from the log before it`);
        before = reloaded;
      }
    }
  } catch (error) {
    failures.push(`the run failed: ${(error as Error).stack ?? String(error)}`);
  } finally {
    await Promise.allSettled(observers.map((o) => o.destroy()));
    await world.tearDown();
  }
  return {
    seed,
    failures,
    trace,
    figures: {
      servers,
      clients,
      steps,
      ackedIntents: world.acks.acked.length,
      awaitedApproval: world.acks.acked.filter((a) => a.status === 'awaiting-approval').length,
      savedAcks: world.acks.saved.length,
      logLength,
      lostUpdates,
      lostIntents,
      serverCrashes: world.counts.serverCrashes,
      reloads: world.counts.reloads,
      crashReloads: world.counts.crashReloads,
      cuts: world.network.stats.cuts,
      decisions: world.counts.decisions,
    },
  };
}
