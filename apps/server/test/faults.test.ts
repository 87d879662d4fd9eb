/**
 * Faults against real processes (issue 19, item 2), Jepsen-style: three
 * bundled server processes on one Redis and one store, stock y-websocket
 * clients behind fault proxies spread over them making free edits and
 * intents, while a nemesis follows a seeded schedule of faults — partitions,
 * delay and bandwidth caps, dropped and half-open connections between
 * clients and servers and between servers and Redis or the store; SIGKILLs
 * of servers (mid-persist, and twice in a row across a lease takeover); Redis
 * SIGKILLed and restarted from its AOF; clocks of two processes skewed
 * (libfaketime). A checker records every acknowledgement a client received —
 * `saved` state vectors ([P6]) and intent acks — and verifies against the
 * store and the event log that each one holds, during the run and at the end.
 *
 * FAULT_SEED=<n> replays a run's schedule of faults (real timing varies; the
 * verdict does not depend on it), FAULT_RUNS=<n> runs n seeds in a row from
 * it (CI: seeds 5 and 6), FAULT_DURATION_MS the fault window of each run
 * (default 30 s), FAULT_KINDS=a,b only those kinds, FAULT_SKEW=off no skew.
 */
import { existsSync } from 'node:fs';
import { createIntent } from '@dungeon-lab/events';
import { createMongoStore } from '@dungeon-lab/store-mongo';
import { MongoClient } from 'mongodb';
import { MessageType, settlePendingStructs } from '@dungeon-lab/protocol';
import { METRICS_JSON_PATH } from '@dungeon-lab/server';
import { seededRandom } from '@dungeon-lab/testing';
import { type FaultProxy, startFaultProxy } from '@dungeon-lab/testing/fault-proxy';
import { allSaved, recordSaved, SIDECAR_PARAMS } from '@dungeon-lab/testing/saved';
import * as decoding from 'lib0/decoding';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

import { type App, cleanups, databaseName, gmSession, MONGO_LANES, type MongoEndpoint, startApp, submit, testRedis, until, useDeployment } from './deployment.ts';

useDeployment();

/** CI's budget: two runs, seeds 5 and 6 (between them every kind of fault, a kill across a lease takeover included). */
const FIRST_SEED = Number(process.env.FAULT_SEED ?? 5);
const RUNS = Number(process.env.FAULT_RUNS ?? 2);
const FAULT_MS = Number(process.env.FAULT_DURATION_MS ?? 30_000);
const SERVERS = 3;
const CLIENTS = 6;
/** A half-open link is noticed by y-websocket's own 30 s silence timeout: none in the last stretch, so the run ends within the CI budget. */
const HALF_OPEN_BEFORE_END_MS = 20_000;
/** How long everyone may take to reconnect, flush and agree after the final heal: a half-open socket's 30 s timeout and a reconnect backoff. */
const CONVERGE_MS = 45_000;

/** libfaketime (Debian `faketime`): the clock of a process shifted by LD_PRELOAD ([.ci/run] installs it). */
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
/**
 * One process 0.8 s ahead, one 2.5 s behind. Wall clocks matter across
 * processes in one place: a bus subscription reads its stream from its own
 * clock minus 1 s ([RS3] `clockSkewMs`), so a clock ahead of Redis's by more
 * than that would skip what was published meanwhile; behind only replays more.
 */
const SKEWS = existsSync(FAKETIME_LIB) && process.env.FAULT_SKEW !== 'off' ? ['', '+0.8s', '-2.5s'] : null;

type FaultKind =
  | 'client-partition'
  | 'client-slow'
  | 'client-drop'
  | 'client-half-open'
  | 'redis-partition'
  | 'redis-slow'
  | 'redis-drop'
  | 'store-partition'
  | 'server-kill'
  | 'server-kill-handover'
  | 'redis-kill';

/** One planned fault: drawn from the seed before the run starts, so a seed names its schedule. */
interface Planned {
  readonly at: number;
  readonly kind: FaultKind;
  /** A client or server index, as the kind reads it. */
  readonly target: number;
  readonly second: number;
  readonly durationMs: number;
  readonly delayMs: number;
  readonly bytesPerSecond: number;
}

const WEIGHTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['client-partition', 3],
  ['client-slow', 2],
  ['client-drop', 2],
  ['client-half-open', 1],
  ['redis-partition', 2],
  ['redis-slow', 1],
  ['redis-drop', 1],
  ['store-partition', 2],
  ['server-kill', 2],
  ['server-kill-handover', 1],
  ['redis-kill', 1],
];

/** FAULT_KINDS=a,b: only those kinds (a replay narrowed down); the schedule is still drawn from the seed over every kind, so the times and targets stay. */
const ONLY = process.env.FAULT_KINDS === undefined ? null : new Set(process.env.FAULT_KINDS.split(','));

function plan(seed: number): Planned[] {
  const rand = seededRandom(seed);
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const schedule: Planned[] = [];
  for (let at = 1_000 + rand() * 1_000; at < FAULT_MS; at += 700 + rand() * 1_300) {
    let pick = rand() * total;
    const kind = WEIGHTS.find(([, w]) => (pick -= w) < 0)![0];
    const fault: Planned = {
      at: Math.round(at),
      kind,
      target: Math.floor(rand() * (kind.startsWith('client') ? CLIENTS : SERVERS)),
      second: Math.floor(rand() * SERVERS),
      durationMs: Math.round(800 + rand() * 4_200),
      delayMs: Math.round(20 + rand() * 300),
      bytesPerSecond: Math.round(16_384 + rand() * 240_000),
    };
    if (kind === 'client-half-open' && at > FAULT_MS - HALF_OPEN_BEFORE_END_MS) continue;
    if (ONLY !== null && !ONLY.has(kind)) continue;
    schedule.push(fault);
  }
  return schedule;
}

interface Push {
  readonly text: string;
  readonly client: number;
  readonly clock: number;
}

interface Client {
  readonly n: number;
  readonly home: number;
  readonly proxy: FaultProxy;
  /** Free edits: an open room of its own (a session table takes only what its schema allows), as a sidecar socket that is sent `saved`. */
  readonly provider: WebsocketProvider;
  /** The session's table, where the intents' chat lines land. */
  readonly table: WebsocketProvider;
  /** Merged durable state vector this client was sent ([P6]). */
  readonly saved: Map<number, number>;
  /** Error messages ([P3] sidecar) the server sent it. */
  readonly errors: string[];
  readonly pushes: Push[];
  readonly acks: Map<string, { sequence: number; text: string }>;
  readonly refused: string[];
}

interface Figures {
  seed: number;
  faults: Record<string, number>;
  skipped: number;
  serverKills: number;
  killsMidPersist: number;
  killsAfterTakeover: number;
  redisKills: number;
  partitionsHealed: number;
  halfOpenConnections: number;
  droppedConnections: number;
  promisesChecked: number;
  storeChecks: number;
  pushes: number;
  intents: number;
  convergeMs: number;
  lostUpdates: number;
  lostIntents: number;
}

const figures: Figures[] = [];
afterAll(() => {
  if (figures.length === 0) return;
  const sorted = figures.map((f) => f.convergeMs).sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
  const sum = (k: keyof Figures) => figures.reduce((s, f) => s + (f[k] as number), 0);
  console.log(
    `fault runs: ${figures.length} (seeds ${figures.map((f) => f.seed).join(', ')}); SIGKILLs survived: ${sum('serverKills')} servers (${sum('killsMidPersist')} mid-persist, ${sum('killsAfterTakeover')} right after a lease takeover) + ${sum('redisKills')} Redis; ` +
      `partitions healed: ${sum('partitionsHealed')}; time to converge after the final heal: p99 ${p99} ms (max ${sorted.at(-1)} ms); ` +
      `acknowledged updates lost: ${sum('lostUpdates')} of ${sum('pushes')}; acknowledged intents lost: ${sum('lostIntents')} of ${sum('intents')}`,
  );
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const endpointOf = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

/** The server's own view of what it holds unstored, straight to it (not through a client's proxy). */
async function unsavedUpdates(app: App): Promise<number> {
  try {
    const res = await fetch(`${app.url}${METRICS_JSON_PATH}`, { signal: AbortSignal.timeout(500) });
    return ((await res.json()) as { unsavedUpdates: number }).unsavedUpdates;
  } catch {
    return 0;
  }
}

async function faultRun(lane: (typeof MONGO_LANES)[number], seed: number): Promise<Figures> {
  const schedule = plan(seed);
  console.log(`fault run: FAULT_SEED=${seed}, ${schedule.length} faults planned over ${FAULT_MS} ms${SKEWS === null ? ', no clock skew (libfaketime is not installed)' : `, clocks skewed ${SKEWS.filter(Boolean).join(' and ')}`}`);
  const fig: Figures = {
    seed,
    faults: {},
    skipped: 0,
    serverKills: 0,
    killsMidPersist: 0,
    killsAfterTakeover: 0,
    redisKills: 0,
    partitionsHealed: 0,
    halfOpenConnections: 0,
    droppedConnections: 0,
    promisesChecked: 0,
    storeChecks: 0,
    pushes: 0,
    intents: 0,
    convergeMs: 0,
    lostUpdates: 0,
    lostIntents: 0,
  };

  // The deployment: Redis and the store each behind a proxy per server, so a fault cuts one server off.
  const store: MongoEndpoint = await lane.open();
  const dbName = databaseName('faults');
  const redis = await testRedis();
  const proxies: FaultProxy[] = [];
  const proxy = async (target: { host: string; port: number }) => {
    const p = await startFaultProxy({ target });
    proxies.push(p);
    cleanups.push(() => p.close());
    return p;
  };
  const redisProxies: FaultProxy[] = [];
  for (let s = 0; s < SERVERS; s++) redisProxies.push(await proxy({ host: '127.0.0.1', port: redis.port }));
  // Each server reaches the store through a proxy of its own (where the lane allows it: a real MongoDB given as several hosts does not).
  const storeProxies: FaultProxy[] = [];
  const storeUrls: string[] = [];
  for (let s = 0; s < SERVERS; s++) {
    if (store.via === undefined) {
      storeUrls.push(store.url);
      continue;
    }
    const p = await proxy({ host: '127.0.0.1', port: 1 });
    storeUrls.push(await store.via(p));
    storeProxies.push(p);
  }
  const serverEnv = (s: number): Record<string, string> => {
    const skew = SKEWS?.[s] ?? '';
    return {
      MONGO_URL: storeUrls[s]!,
      MONGO_DB: dbName,
      REDIS_URL: `redis://${redisProxies[s]!.address}`,
      OPEN_ROOMS: 'true',
      INTENTS_PER_SECOND: 'off',
      ...(skew === '' ? {} : { LD_PRELOAD: FAKETIME_LIB, FAKETIME: skew }),
    };
  };
  const servers: Array<App | null> = [];
  for (let s = 0; s < SERVERS; s++) servers.push(await startApp(serverEnv(s)));
  const { token, sessionId } = await gmSession(servers[0]!.url);
  const room = `open/faults-${sessionId}`;
  const tableRoom = `sessions/${sessionId}/table`;

  // Clients: each behind a proxy of its own to its home server; a client of a dead server is sent to a live one, as a load balancer would.
  const clients: Client[] = [];
  for (let n = 0; n < CLIENTS; n++) {
    const home = n % SERVERS;
    const p = await proxy(endpointOf(servers[home]!.url));
    const connect = (name: string, params: Record<string, string>) => {
      const provider = new WebsocketProvider(`ws://${p.address}`, name, new Y.Doc(), {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
        params: { token, ...params },
      });
      cleanups.push(() => provider.destroy());
      return provider;
    };
    const provider = connect(room, SIDECAR_PARAMS);
    const errors: string[] = [];
    provider.messageHandlers[MessageType.Error] = (_encoder, decoder) => {
      errors.push(`${decoding.readVarUint(decoder)}: ${decoding.readVarString(decoder)}`);
    };
    clients.push({ n, home, proxy: p, provider, table: connect(tableRoom, {}), saved: recordSaved(provider), errors, pushes: [], acks: new Map(), refused: [] });
  }
  await until(() => clients.every((c) => c.provider.synced && c.table.synced), 'every client synced', 30_000);
  const live = () => servers.flatMap((a, s) => (a === null ? [] : [s]));
  const sendHome = (s: number) => {
    for (const c of clients) if (c.home === s) c.proxy.retarget(endpointOf(servers[s]!.url));
  };
  const sendAway = (s: number) => {
    const to = live()[0];
    if (to === undefined) return;
    for (const c of clients) if (c.home === s) c.proxy.retarget(endpointOf(servers[to]!.url));
  };

  // The checker, during the run: every so often a cold load of the store holds every update a `saved` promised before the load began.
  const checker = await createMongoStore({ url: store.url, dbName });
  cleanups.push(() => checker.close());
  const promised = (): Map<number, number> => {
    const all = new Map<number, number>();
    for (const c of clients) for (const [client, clock] of c.saved) all.set(client, Math.max(all.get(client) ?? 0, clock));
    return all;
  };
  // During the run the checker reads every row of the room in ONE batch: jongodb gives a paged read (getMore) no snapshot, so a
  // compaction between two pages — its snapshot sorting before the page boundary, the rows it replaced after — would hide rows from it.
  const rows = new MongoClient(store.url).db(dbName).collection<{ doc: string; row: string; part: number; parts: number; data: { buffer: Uint8Array } }>('doc_rows');
  cleanups.push(() => rows.db.client.close());
  const storedTexts = async (): Promise<Y.Doc> => {
    const doc = new Y.Doc();
    // As the server loads a room ([P17]): without it, a load of rows that are all there can leave saved moves out.
    settlePendingStructs(doc);
    for (const part of await rows.find({ doc: room }, { readConcern: 'snapshot', batchSize: 1_000_000, maxTimeMS: 10_000 }).sort({ row: 1, part: 1 }).toArray()) {
      expect(part.parts, 'rows of one part').toBe(1);
      Y.applyUpdate(doc, part.data.buffer);
    }
    return doc;
  };
  /** The store as the product loads it (loadDoc), once nothing writes any more. */
  const loaded = async (name: string): Promise<Y.Doc> => {
    const doc = new Y.Doc();
    settlePendingStructs(doc);
    for (const row of (await checker.loadDoc(name)).rows) Y.applyUpdate(doc, row.data);
    return doc;
  };
  /** The pushes `promises` covers that the stored doc lacks. */
  const missing = (doc: Y.Doc, promises: Map<number, number>): Push[] => {
    const stored = new Set(doc.getArray<string>('moves').toArray());
    return clients.flatMap((c) => c.pushes.filter((p) => p.clock < (promises.get(p.client) ?? 0) && !stored.has(p.text)));
  };
  const failures: string[] = [];
  const storedClocks = new Map<number, number>();
  const checkPromises = async (when: string): Promise<void> => {
    const promises = promised();
    let doc: Y.Doc;
    try {
      doc = await storedTexts();
    } catch {
      return; // The store did not answer (frozen, say): no verdict either way.
    }
    fig.storeChecks++;
    // The store's integrated clock per client never goes back: one that does lost a row (a deletion), where one that stalls never got it.
    for (const [cl, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
      const before = storedClocks.get(cl) ?? 0;
      if (clock < before) failures.push(`${when}: the store went back for client ${cl}, from clock ${before} to ${clock}`);
      storedClocks.set(cl, Math.max(before, clock));
    }
    fig.promisesChecked = clients.reduce((s, c) => s + c.pushes.filter((p) => p.clock < (promises.get(p.client) ?? 0)).length, 0);
    const lost = missing(doc, promises);
    if (lost.length > 0) failures.push(`${when}: ${lost.length} updates a client was told were saved are not in the store: ${lost.slice(0, 5).map((p) => p.text).join(', ')}`);
  };

  // Workload: each client pushes unique moves at random moments, online or not, and sends chat intents one by one, each resent with its id until acked.
  let working = true;
  /** Clients whose workload ended: their last intent acknowledged, so what they were told can be compared with the log. */
  const finished = new Set<number>();
  const workload = clients.map(async (c) => {
    const rand = seededRandom(seed * 31 + c.n);
    const doc = c.provider.doc;
    const moves = doc.getArray<string>('moves');
    const edits = (async () => {
      for (let i = 0; working; i++) {
        const text = `c${c.n}:${i}`;
        c.pushes.push({ text, client: doc.clientID, clock: Y.getState(doc.store, doc.clientID) });
        moves.push([text]);
        await sleep(40 + rand() * 120);
      }
    })();
    const intents = (async () => {
      for (let k = 0; working; k++) {
        const text = `c${c.n}#${k}`;
        const intent = createIntent('chat:message', { text });
        for (;;) {
          const answer = await submit(`http://${c.proxy.address}`, sessionId, token, [intent], AbortSignal.timeout(4_000)).catch(() => null);
          if (answer?.status === 200) {
            const ack = answer.body[0]!;
            if (ack.success) c.acks.set(intent.id, { sequence: ack.sequence!, text });
            else c.refused.push(`${text}: ${ack.reason}`);
            break;
          }
          await sleep(200);
        }
        await sleep(100 + rand() * 300);
      }
    })();
    await Promise.all([edits, intents]);
    finished.add(c.n);
  });

  // The nemesis: each planned fault at its time; what it breaks is mended after its duration, or at the final heal.
  const pending = new Set<() => Promise<void>>();
  const later = (ms: number, undo: () => Promise<void>) => {
    const once = async () => {
      if (!pending.delete(once)) return;
      await undo();
    };
    pending.add(once);
    void sleep(ms).then(once);
  };
  /** Partitions a link and heals it `ms` later (or at the final heal). */
  const partitionFor = (link: FaultProxy, ms: number) => {
    link.partition();
    later(ms, async () => {
      link.heal();
      fig.partitionsHealed++;
    });
  };
  const restart = async (s: number) => {
    servers[s] = await startApp(serverEnv(s));
    sendHome(s);
  };
  /** Every other kill of a server by itself waits (up to a second) for a moment it holds updates not yet stored: a kill mid-persist. */
  let waitForPersist = true;
  const kill = async (s: number, midPersist = false) => {
    const app = servers[s]!;
    let unsaved = await unsavedUpdates(app);
    for (const until = Date.now() + 1_000; midPersist && unsaved === 0 && Date.now() < until; ) unsaved = await unsavedUpdates(app);
    if (unsaved > 0) fig.killsMidPersist++;
    servers[s] = null;
    await app.stop('SIGKILL');
    fig.serverKills++;
    sendAway(s);
  };
  let redisDown = false;
  let cutOff = false;
  const log: string[] = [];
  const started = Date.now();
  const checks = (async () => {
    while (working) {
      await sleep(4_000);
      if (working) await checkPromises(`${Date.now() - started} ms into the run`);
    }
  })();
  for (const f of schedule) {
    await sleep(f.at - (Date.now() - started));
    const count = () => {
      fig.faults[f.kind] = (fig.faults[f.kind] ?? 0) + 1;
      log.push(`${Date.now() - started}:${f.kind}@${f.kind.startsWith('client') ? `c${f.target % CLIENTS}` : `s${f.target % SERVERS}`}${f.kind === 'server-kill-handover' ? `+s${f.second % SERVERS}` : ''}/${f.durationMs}`);
    };
    const c = clients[f.target % CLIENTS]!;
    const r = redisProxies[f.target % SERVERS]!;
    switch (f.kind) {
      case 'client-partition':
        if (c.proxy.partitioned) break;
        count();
        c.proxy.partition();
        later(f.durationMs, async () => {
          // At the end the clients stay cut off until the store has been checked without them.
          if (!cutOff) c.proxy.heal();
          fig.partitionsHealed++;
        });
        continue;
      case 'client-slow':
      case 'redis-slow': {
        count();
        const p = f.kind === 'client-slow' ? c.proxy : r;
        for (const d of ['up', 'down'] as const) p.shape(d, { delayMs: f.delayMs, bytesPerSecond: f.bytesPerSecond });
        later(f.durationMs, async () => {
          for (const d of ['up', 'down'] as const) p.shape(d, { delayMs: 0, bytesPerSecond: Infinity });
        });
        continue;
      }
      case 'client-drop':
      case 'redis-drop':
        count();
        fig.droppedConnections += (f.kind === 'client-drop' ? c.proxy : r).drop(1, () => 0);
        continue;
      case 'client-half-open':
        count();
        fig.halfOpenConnections += c.proxy.halfOpen();
        continue;
      case 'redis-partition':
        if (r.partitioned) break;
        count();
        partitionFor(r, f.durationMs);
        continue;
      case 'store-partition': {
        const p = storeProxies[f.target % SERVERS];
        if (p === undefined || p.partitioned) break;
        count();
        partitionFor(p, f.durationMs);
        continue;
      }
      case 'server-kill': {
        const s = f.target % SERVERS;
        if (servers[s] === null || live().length < 2) break;
        count();
        await kill(s, waitForPersist);
        waitForPersist = !waitForPersist;
        later(f.durationMs, () => restart(s));
        continue;
      }
      case 'server-kill-handover': {
        // Kill one, and another once the session's lease moved to a new epoch (a takeover) — or after the lease's ttl.
        const [s, t] = [f.target % SERVERS, f.second % SERVERS];
        if (s === t || servers[s] === null || servers[t] === null || live().length < 3) break;
        count();
        const before = await redis.get(`dl:lease:${sessionId}`);
        await kill(s);
        later(f.durationMs, () => restart(s));
        const killedAt = Date.now();
        let moved = false;
        while (!moved && Date.now() - killedAt < 3_500) {
          await sleep(25);
          const now = await redis.get(`dl:lease:${sessionId}`);
          moved = now !== null && now !== before;
        }
        if (moved) fig.killsAfterTakeover++;
        await kill(t);
        later(f.durationMs, () => restart(t));
        continue;
      }
      case 'redis-kill':
        if (redisDown) break;
        count();
        redisDown = true;
        await redis.kill('SIGKILL');
        fig.redisKills++;
        later(Math.min(f.durationMs, 3_000), async () => {
          await redis.restart();
          redisDown = false;
        });
        continue;
    }
    fig.skipped++;
  }
  await sleep(FAULT_MS - (Date.now() - started));
  console.log(`faults injected (ms:kind@target/duration): ${log.join(' ')}`);

  // The end: writes stop, clients are cut off (nothing they hold can go back to the servers), every other fault is mended.
  working = false;
  cutOff = true;
  for (const c of clients) c.proxy.partition();
  for (const undo of [...pending]) await undo();
  for (const p of proxies) {
    for (const d of ['up', 'down'] as const) p.shape(d, { delayMs: 0, bytesPerSecond: Infinity });
    if (!clients.some((c) => c.proxy === p)) p.heal();
  }
  await checks;
  // What the store holds now, with no client able to resend anything: every promise made under the faults.
  const promisedUnderFaults = promised();
  let coldUnderFaults: Y.Doc | null = null;
  for (const start = Date.now(); coldUnderFaults === null && Date.now() - start < 20_000; ) coldUnderFaults = await storedTexts().catch(() => null);
  expect(coldUnderFaults, 'the store answers once healed').not.toBeNull();
  fig.storeChecks++;
  const lostUnderFaults = missing(coldUnderFaults!, promisedUnderFaults);
  if (lostUnderFaults.length > 0) failures.push(`after the faults, clients cut off: ${lostUnderFaults.length} promised updates missing from the store: ${lostUnderFaults.slice(0, 5).map((p) => p.text).join(', ')}`);

  // Heal the clients: everyone reconnects, flushes, and agrees.
  const healedAt = Date.now();
  for (const c of clients) c.proxy.heal();
  fig.partitionsHealed += CLIENTS;
  const moves = (doc: Y.Doc) => JSON.stringify(doc.getArray('moves').toJSON());
  const chatOf = (doc: Y.Doc) => JSON.stringify(doc.getArray('chat').toJSON());
  const states = () =>
    clients.map((c) => ({
      connected: c.provider.wsconnected && c.table.wsconnected,
      synced: c.provider.synced && c.table.synced,
      saved: allSaved(c.provider.doc, c.saved),
      moves: moves(c.provider.doc) === moves(clients[0]!.provider.doc),
      chat: chatOf(c.table.doc) === chatOf(clients[0]!.table.doc),
      // Its last intent acknowledged: until then it may be in the log with the ack still on its way ([FI1]).
      acked: finished.has(c.n),
    }));
  const done = () => states().every((x) => x.connected && x.synced && x.saved && x.moves && x.chat && x.acked);
  try {
    await until(done, `every client reconnected, saved and converged (FAULT_SEED=${seed})`, CONVERGE_MS);
  } catch (err) {
    const storedNow = await storedTexts();
    const coldSv = Y.decodeStateVector(Y.encodeStateVector(storedNow));
    // The first operation the store lacks of each client whose stored operations wait on it, and which clients hold it.
    const lacking = [...(storedNow.store.pendingStructs?.missing ?? new Map<number, number>())];
    console.log(`checks failed so far: ${JSON.stringify(failures)}`);
    console.log(`the store lacks: ${JSON.stringify(lacking.map(([cl, clock]) => [cl, clock, clients.filter((c) => (Y.decodeStateVector(Y.encodeStateVector(c.provider.doc)).get(cl) ?? 0) > clock).map((c) => c.n)]))}`);
    // Each live server's copy of the room, read by a fresh socket: what it lacks of those clients.
    for (const s of live()) {
      const probe = new WebsocketProvider(servers[s]!.url.replace(/^http/, 'ws'), room, new Y.Doc(), { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, disableBc: true, params: { token } });
      cleanups.push(() => probe.destroy());
      await until(() => probe.synced, `server ${s}'s copy`, 5_000).catch(() => {});
      const sv = Y.decodeStateVector(Y.encodeStateVector(probe.doc));
      console.log(`server ${s} holds: ${JSON.stringify(lacking.map(([cl]) => [cl, sv.get(cl) ?? 0]))}, waiting on ${JSON.stringify([...(probe.doc.store.pendingStructs?.missing ?? [])])}`);
    }
    // What each client holds that no `saved` covers ([client, its clock, saved clock, stored clock]), and what the servers said last.
    console.log(`unsaved: ${JSON.stringify(clients.map((c) => [...Y.decodeStateVector(Y.encodeStateVector(c.provider.doc))].filter(([cl, clock]) => (c.saved.get(cl) ?? 0) < clock).map(([cl, clock]) => [cl, clock, c.saved.get(cl) ?? 0, coldSv.get(cl) ?? 0])))}`);
    for (const [s, a] of servers.entries()) console.log(`server ${s} said last:\n${a?.output.filter((l) => !l.includes('storing peer updates')).slice(-15).map((l) => l.slice(0, 300)).join('\n')}`);
    console.log(`not converged (FAULT_SEED=${seed}): ${JSON.stringify(states())}; sizes ${JSON.stringify(clients.map((c) => [c.provider.doc.getArray('moves').length, c.pushes.length, c.table.doc.getArray('chat').length, c.acks.size, c.errors.slice(0, 3)]))}`);
    throw err;
  }
  fig.convergeMs = Date.now() - healedAt;
  await Promise.all(workload);

  // The final verdict: the store, loaded cold, holds every client's every update once, and equals what the clients hold.
  const cold = await loaded(room);
  const everyPush = clients.flatMap((c) => c.pushes);
  fig.pushes = everyPush.length;
  const storedMoves = cold.getArray<string>('moves').toArray();
  fig.lostUpdates = lostUnderFaults.length + missing(cold, promised()).length;
  expect(new Set(storedMoves).size, 'each update stored once').toBe(storedMoves.length);
  expect(storedMoves.length, 'every update of every client in the store').toBe(everyPush.length);
  expect(moves(cold)).toBe(moves(clients[0]!.provider.doc));

  // Every acknowledged intent once in the log, at its acked sequence, in one gap-free order; nothing else in it.
  const acks = new Map(clients.flatMap((c) => [...c.acks]));
  fig.intents = acks.size;
  const reader = servers.find((a) => a !== null)!;
  const events: Array<{ id: string; sequence: number }> = [];
  for (;;) {
    const res = await fetch(`${reader.url}/api/sessions/${sessionId}/events?from=${events.length + 1}&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const page = ((await res.json()) as { events: Array<{ id: string; sequence: number }> }).events;
    if (page.length === 0) break;
    events.push(...page);
  }
  const logged = new Map(events.map((e) => [e.id, e.sequence]));
  fig.lostIntents = [...acks].filter(([id, a]) => logged.get(id) !== a.sequence).length;
  const table = await loaded(tableRoom);
  expect(chatOf(table), 'the stored table equals the clients\' tables').toBe(chatOf(clients[0]!.table.doc));
  const chat = table.getArray('chat').toJSON() as Array<{ id: string; text: string; sequence: number }>;

  figures.push(fig);
  console.log(`fault run FAULT_SEED=${seed}: ${JSON.stringify(fig)}`);
  expect(failures).toEqual([]);
  expect(clients.flatMap((c) => c.refused), 'no intent refused').toEqual([]);
  expect(fig.lostIntents, 'acknowledged intents lost').toBe(0);
  expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
  const unacked = events.filter((e) => !acks.has(e.id));
  expect(unacked, 'the log holds only acknowledged intents').toEqual([]);
  expect(logged.size, 'each intent logged once').toBe(acks.size);
  expect(events.length).toBe(acks.size);
  // The table shows each acknowledged line once, with the sequence it was acked with.
  expect(chat.map((m) => [m.id, m.sequence]).sort()).toEqual([...acks].map(([id, a]) => [id, a.sequence]).sort());
  expect(fig.lostUpdates, 'acknowledged updates lost').toBe(0);
  return fig;
}

for (const lane of MONGO_LANES) {
  describe(`faults against real processes on ${lane.label}`, () => {
    for (let run = 0; run < RUNS; run++) {
      const seed = FIRST_SEED + run;
      it.skipIf(lane.skip !== null)(
        `[FI1] ${lane.label} + Redis, 3 processes${SKEWS === null ? '' : ' (clocks skewed)'}: under a seeded nemesis (FAULT_SEED=${seed}) every saved update and every acked intent holds, and all clients converge${lane.skip === null ? '' : ` (skipped: ${lane.skip})`}`,
        () => faultRun(lane, seed),
        FAULT_MS + 150_000,
      );
    }
  });
}
