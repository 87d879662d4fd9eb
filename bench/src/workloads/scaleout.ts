import type { Deployment, DeploymentPlan } from '../targets/deployment.ts';
import { OURS_APP } from '../targets/registry.ts';
import { FANOUT_METRICS, measureFanout } from './fanout.ts';
import { INTENT_METRICS, INTENT_P99_TARGET_MS, intentScenario, intentSizes, measureIntents } from './intents.ts';
import { SessionTable } from './session-table.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { withDeployment } from './with-target.ts';

/** The bound on what the hop between processes may add to a move's p99, on loopback. */
export const SPLIT_ADDED_P99_TARGET_MS = 5;
export const SHARED_STORE = 'mongo-wire (jongodb)';
const SPLIT_PROCESSES = 3;

/** The workloads of this module: docs/benchmarks.md shows them in a section of their own (render-docs.ts). */
export const isScaleout = (name: string): boolean => name.startsWith('scaleout-');

interface Layout {
  readonly key: 'embedded' | 'single' | 'split';
  readonly label: string;
  readonly plan: DeploymentPlan;
}

/**
 * The same bundle three ways: the embedded default (what one process runs without REDIS_URL and
 * MONGO_URL), one process on the shared Redis and store, and three on them. Only the last two differ
 * in the split alone; the first two differ in the Redis hop (with REDIS_URL a process hears even its own
 * sockets' updates back from the Redis stream).
 */
const LAYOUTS: readonly Layout[] = [
  { key: 'embedded', label: '1 process, embedded (LevelDB, in-process bus)', plan: { processes: 1, backends: 'embedded' } },
  { key: 'single', label: `1 process, Redis + ${SHARED_STORE}`, plan: { processes: 1, backends: 'redis+mongo-wire' } },
  { key: 'split', label: `${SPLIT_PROCESSES} processes, Redis + ${SHARED_STORE}`, plan: { processes: SPLIT_PROCESSES, backends: 'redis+mongo-wire' } },
];

const FULL_CLIENTS = [100, 250];
const QUICK_CLIENTS = [30];

const fanoutScenario = (clients: number, layout: Layout): string => `${clients} clients · ${layout.label}`;
/**
 * The rate (1×), and a tenth of it: on this machine the shared store (jongodb) cannot keep up with
 * 1× (it answers about 28 intents/s), so the tenth shows what forwarding through the Redis inbox adds
 * while nothing is saturated.
 */
const INTENT_MULTIPLIERS = [1, 0.1] as const;
const intentsScenario = (quick: boolean, multiplier: number, layout: Layout): string =>
  `${intentScenario(intentSizes(quick).players, multiplier)} · ${layout.label}`;

/** The added-latency rows: split over single (the split alone), and single over embedded (the Redis hop). */
const ADDED_METRICS: readonly MetricSpec[] = [
  { key: 'addedBySplit', label: `p99 added by the split (${SPLIT_PROCESSES} processes − 1, same Redis and store)`, unit: 'ms', better: 'lower', digits: 2 },
  { key: 'addedByRedis', label: 'p99 added by Redis and the shared store (1 process on them − embedded)', unit: 'ms', better: 'lower', digits: 2 },
];
/** The shared services' CPU per unit of work, together and each (see serviceCpuPer). */
const SERVICE_CPU = (per: string): MetricSpec[] =>
  [
    ['service', `redis-server + ${SHARED_STORE}`],
    ['redis', 'of which redis-server'],
    ['store', `of which ${SHARED_STORE}`],
  ].map(([name, label]) => ({ key: `${name}CpuPer${per}`, label: `${label} CPU per ${per.toLowerCase()}`, unit: 'µs', better: 'lower', digits: 2 }));

const LOOPBACK =
  'All on this machine and its loopback: every server process, redis-server (AOF fsynced always, as the tests run it) and the ' +
  `${SHARED_STORE} store on the server core, the load generator on the other. ${SHARED_STORE} is an in-memory server speaking ` +
  "MongoDB's wire protocol, not MongoDB: its writes cost no disk. Server CPU is summed over the server processes; " +
  'redis-server and the store are metered apart. Each layout runs on freshly started processes of the bundle `npm start` runs ' +
  '(apps/server/dist/main.mjs).';

/**
 * Adds the added-p99 figures to one group of measurements (one client count), and a note on the split
 * row saying whether the hop meets `targetMs` (none: no target).
 */
function withAddedP99(byLayout: ReadonlyMap<Layout['key'], Measurement>, targetMs: number | undefined): Measurement[] {
  const p99 = (key: Layout['key']): number | undefined => {
    const v = byLayout.get(key)?.metrics.p99;
    return v === null || v === undefined || Number.isNaN(v) ? undefined : v;
  };
  const diff = (a: Layout['key'], b: Layout['key']): number | null => {
    const x = p99(a);
    const y = p99(b);
    return x === undefined || y === undefined ? null : x - y;
  };
  const split = diff('split', 'single');
  const redis = diff('single', 'embedded');
  return LAYOUTS.flatMap((layout) => {
    const m = byLayout.get(layout.key);
    if (!m) return [];
    const added = { addedBySplit: layout.key === 'split' ? split : null, addedByRedis: layout.key === 'single' ? redis : null };
    const notes = [...m.notes];
    if (layout.key === 'split' && split !== null && targetMs !== undefined) {
      const verdict = split < targetMs ? `meets the < ${targetMs} ms target` : `misses the < ${targetMs} ms target by ${(split - targetMs).toFixed(2)} ms`;
      notes.push(`the split adds ${split.toFixed(2)} ms to p99: ${verdict}`);
    }
    return [{ ...m, metrics: { ...m.metrics, ...added }, notes }];
  });
}

/** Runs `measure` once per layout, each on a freshly started deployment. */
async function eachLayout(
  context: RunContext,
  what: string,
  measure: (layout: Layout, deployment: Deployment) => Promise<Measurement>,
): Promise<Map<Layout['key'], Measurement>> {
  const out = new Map<Layout['key'], Measurement>();
  for (const layout of LAYOUTS) {
    context.log(`${what} · ${layout.label}`);
    out.set(layout.key, await withDeployment(OURS_APP, layout.plan, (deployment) => measure(layout, deployment)));
  }
  return out;
}

export const scaleoutFanout: Workload = {
  name: 'scaleout-fanout',
  title: `Scale-out fan-out: one table's clients split over ${SPLIT_PROCESSES} processes against all on one`,
  description:
    `The \`fanout\` workload (20 writers, 100 moves/s in all, every client receives every move) on one room whose clients ` +
    `connect to ${SPLIT_PROCESSES} server processes in turn (writers and sampled receivers alike, so about two moves in three ` +
    'cross processes), against the same clients on one process with the same Redis and store, and on one embedded process. ' +
    `Latency is the sender's move → each sampled receiver has it. Target: the split adds < ${SPLIT_ADDED_P99_TARGET_MS} ms to ` +
    `p99. ${LOOPBACK}`,
  metrics: [...FANOUT_METRICS, ...SERVICE_CPU('Delivery'), ...ADDED_METRICS],
  appliesTo: { targets: ['ours'], otherwise: 'only Dungeon Lab runs as several processes on a shared bus' },
  scenarios: (quick) => (quick ? QUICK_CLIENTS : FULL_CLIENTS).flatMap((clients) => LAYOUTS.map((layout) => fanoutScenario(clients, layout))),
  async run(_spec, context) {
    const out: Measurement[] = [];
    for (const clients of context.quick ? QUICK_CLIENTS : FULL_CLIENTS) {
      const byLayout = await eachLayout(context, `scale-out fanout ${clients} clients`, (layout, deployment) =>
        measureFanout(deployment, clients, fanoutScenario(clients, layout), context),
      );
      out.push(...withAddedP99(byLayout, SPLIT_ADDED_P99_TARGET_MS));
    }
    return out;
  },
};

export const scaleoutIntents: Workload = {
  name: 'scaleout-intents',
  title: `Scale-out intents: 10,000 intents/min from players spread over ${SPLIT_PROCESSES} processes against all on one`,
  description:
    `The \`intents\` workload at its 1× rate (100 players, 100 intents a minute each), and at a tenth of it, with player i on process i mod ` +
    `${SPLIT_PROCESSES}: the GM creates the session and places the tokens on the first; one process holds the session's ` +
    'lease and sequences, the others forward their players\' intents to it through the Redis holder inbox and relay the acks. ' +
    `Against all players on one process with the same Redis and store, and on one embedded process. Target: p99 ack ` +
    `under ${INTENT_P99_TARGET_MS} ms, as on one process. ${LOOPBACK}`,
  metrics: [...INTENT_METRICS, ...SERVICE_CPU('Intent'), ...ADDED_METRICS],
  appliesTo: { targets: ['ours'], otherwise: 'only Dungeon Lab runs as several processes on a shared bus' },
  scenarios: (quick) => INTENT_MULTIPLIERS.flatMap((m) => LAYOUTS.map((layout) => intentsScenario(quick, m, layout))),
  async run(_spec, context) {
    const s = intentSizes(context.quick);
    const out: Measurement[] = [];
    for (const multiplier of INTENT_MULTIPLIERS) {
      const byLayout = await eachLayout(context, `scale-out intents ${s.players} players ${multiplier}×`, async (layout, deployment) => {
        const table = await SessionTable.open(deployment, s.players);
        try {
          return await measureIntents(deployment, table, multiplier, s, intentsScenario(context.quick, multiplier, layout));
        } finally {
          await table.close();
        }
      });
      out.push(...withAddedP99(byLayout, undefined));
    }
    return out;
  },
};
