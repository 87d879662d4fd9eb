import { performance } from 'node:perf_hooks';
import { MIX_SHARES } from '../clients/intent-mix.ts';
import { pace } from '../clients/pacer.ts';
import { summarize } from '../report/stats.ts';
import type { TargetSpec } from '../targets/registry.ts';
import { type Servers, asDeployment } from '../targets/deployment.ts';
import { meterFields, serviceCpuPer } from './meter-fields.ts';
import { SessionTable } from './session-table.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { mb, withTarget } from './with-target.ts';

/**
 * The seed's load test asked for 1,000 intents per minute; ten times that is
 * the target rate. It is kept per player (100 a minute each), so that every
 * rate and client count stays under the server's default per-user limit
 * (10/s, burst 30): at 4× a player sends 6.7/s. Quick mode seats fewer
 * players and so offers proportionally fewer intents.
 */
const PER_PLAYER_PER_MINUTE = 100;
const MULTIPLIERS = [1, 2, 4] as const;
export const INTENT_P99_TARGET_MS = 50;
/** Acks below this share of the offered rate mean the server fell behind, not that pacing jittered. */
const SUSTAINED_SHARE = 0.97;

export interface IntentSizes {
  readonly players: number;
  readonly warmupMs: number;
  readonly windowMs: number;
  readonly drainMs: number;
}
const FULL: IntentSizes = { players: 100, warmupMs: 5_000, windowMs: 30_000, drainMs: 5_000 };
const QUICK: IntentSizes = { players: 20, warmupMs: 1_000, windowMs: 3_000, drainMs: 3_000 };

export const intentSizes = (quick: boolean): IntentSizes => (quick ? QUICK : FULL);
const perMinute = (players: number, multiplier: number): number => PER_PLAYER_PER_MINUTE * players * multiplier;
export const intentScenario = (players: number, multiplier: number): string =>
  `${perMinute(players, multiplier).toLocaleString('en-US')}/min (${multiplier}×)`;

export const INTENT_METRICS: readonly MetricSpec[] = [
  { key: 'offered', label: 'intents sent', unit: '/s', better: 'none', digits: 1 },
  { key: 'acks', label: 'acks', unit: '/s', better: 'higher', digits: 1 },
  { key: 'p50', label: 'ack latency p50', unit: 'ms', better: 'lower', digits: 2 },
  { key: 'p95', label: 'ack latency p95', unit: 'ms', better: 'lower', digits: 2 },
  { key: 'p99', label: 'ack latency p99', unit: 'ms', better: 'lower', digits: 2 },
  { key: 'max', label: 'ack latency max', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'effectP50', label: 'effect seen by another socket p50', unit: 'ms', better: 'lower', digits: 2 },
  { key: 'effectP99', label: 'effect seen by another socket p99', unit: 'ms', better: 'lower', digits: 2 },
  { key: 'rejected', label: 'rejected', unit: 'intents', better: 'lower', digits: 0 },
  { key: 'unanswered', label: 'not acked', unit: 'intents', better: 'lower', digits: 0 },
  { key: 'cpuPerIntent', label: 'server CPU per intent', unit: 'µs', better: 'lower', digits: 0 },
  { key: 'serverCpu', label: 'server CPU', unit: '% of a core', better: 'lower', digits: 0 },
  { key: 'framesPerIntent', label: 'frames to the table per intent', unit: '', better: 'none', digits: 1 },
  { key: 'rssPeak', label: 'server RSS peak', unit: 'MB', better: 'lower', digits: 1 },
];

const percent = (share: number): string => `${Math.round(share * 100)} %`;
const describeCounts = (counts: ReadonlyMap<string, number>): string =>
  [...counts].map(([reason, n]) => `${reason} ${n}`).join(', ');

/**
 * One window of `table`'s players submitting at `multiplier` × the base rate. `servers` may be several
 * processes (the table's players spread over them): CPU and RSS are their sums, the shared services' CPU
 * per intent is `serviceCpuPerIntent`.
 */
export async function measureIntents(
  servers: Servers,
  table: SessionTable,
  multiplier: number,
  s: IntentSizes,
  label = intentScenario(s.players, multiplier),
): Promise<Measurement> {
  const ratePerSecond = perMinute(s.players, multiplier) / 60;
  // Round-robin over the players: each submits at an even interval, never in bursts.
  const send = (i: number): void => table.submitNext(i % s.players);
  const window = (durationMs: number): Promise<number> =>
    pace({ ratePerSecond, durationMs, maxCount: Math.ceil((ratePerSecond * durationMs) / 1000), send });

  // Unmeasured: both sides compile their hot paths, the session's log and rooms are warm.
  await window(s.warmupMs);
  const { tracker } = table;
  tracker.beginWindow();
  const framesBefore = table.framesIn();
  const closesBefore = table.unexpectedCloses();
  const notSentBefore = table.notSent;
  const answeredBefore = tracker.answeredTotal;
  const meter = asDeployment(servers).meter();
  const start = performance.now();
  const sent = await window(s.windowMs);
  const sendMs = performance.now() - start;
  tracker.endWindow();
  const drained = await table.drained(s.drainMs);
  const reading = meter.stop();
  // Under overload the server is still working off the warm-up's backlog in the window: CPU is divided by
  // everything it answered meanwhile, not only by the window's own intents.
  const answered = tracker.answeredTotal - answeredBefore;

  const counts = tracker.counts();
  const latency = summarize(tracker.latency.values());
  const effect = summarize(tracker.effectLatency.values());
  const rejected = [...counts.rejected.values()].reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  if (rejected > 0) notes.push(`rejected: ${describeCounts(counts.rejected)}`);
  if (counts.warmupRejected.size > 0) notes.push(`rejected during warm-up: ${describeCounts(counts.warmupRejected)}`);
  if (!drained) {
    notes.push(
      `${tracker.outstanding} intents still unanswered ${s.drainMs} ms after the last send; latency covers answered intents only`,
    );
  }
  const closes = table.unexpectedCloses() - closesBefore;
  if (closes > 0) notes.push(`${closes} players were disconnected by the server`);
  const skipped = table.notSent - notSentBefore;
  if (skipped > 0) notes.push(`${skipped} intents not sent: the player's socket was closed`);
  const offered = (sent * 1000) / sendMs;
  // Everything answered while metered, over the metered time: when the server keeps up that is the offered
  // rate; when it falls behind, it is busy the whole time and this is what it sustains.
  const acks = (answered * 1000) / reading.wallMs;
  if (acks < offered * SUSTAINED_SHARE) {
    notes.push(`answered ${acks.toFixed(0)}/s of ${offered.toFixed(0)}/s offered: the server fell behind and intents queued`);
  }
  if (tracker.strayAcks > 0) notes.push(`${tracker.strayAcks} acks for intents never sent`);
  if (multiplier === 1) {
    notes.push(
      `p99 ack ${latency.p99.toFixed(1)} ms: ${latency.p99 < INTENT_P99_TARGET_MS ? 'meets' : 'misses'} the ${INTENT_P99_TARGET_MS} ms target`,
    );
  }
  return {
    target: asDeployment(servers).spec.name,
    scenario: label,
    metrics: {
      offered,
      acks,
      p50: latency.p50,
      p95: latency.p95,
      p99: latency.p99,
      max: latency.max,
      effectP50: effect.p50,
      effectP99: effect.p99,
      rejected,
      unanswered: counts.sent - counts.acked,
      cpuPerIntent: answered > 0 ? (reading.serverCpuMs * 1000) / answered : Number.NaN,
      ...serviceCpuPer(reading, 'Intent', answered),
      serverCpu: (reading.serverCpuMs / reading.wallMs) * 100,
      framesPerIntent: counts.sent > 0 ? (table.framesIn() - framesBefore) / counts.sent : Number.NaN,
      rssPeak: mb(reading.serverRssPeakKb),
    },
    ...meterFields(reading),
    notes,
  };
}

export const intents: Workload = {
  name: 'intents',
  title: 'Intents: one session, 100 players, 10,000 intents/min, then 2× and 4×',
  description:
    'One session seated as players arrive: each of 100 users logs in (development login), the first creates the ' +
    'session, the others join with its code, and each opens the table room with the event-log sidecar on a socket ' +
    'of its own. The GM places a token per player with a free Yjs edit. Then the players submit intents, one per ' +
    `message, round-robin and evenly paced at ${PER_PLAYER_PER_MINUTE} a minute each (10,000/min in all, ten times ` +
    'the seed\'s load-test figure), then 2× and 4× that, each rate on a freshly started target: ' +
    `${percent(MIX_SHARES['chat:message'])} \`chat:message\`, ${percent(MIX_SHARES['dice:roll'])} \`dice:roll\`, ` +
    `${percent(MIX_SHARES['token:move'])} \`token:move\` of the player's own token. After a warm-up, every intent ` +
    'sent in the window is timed from send to its `intent-ack`; rejections are counted by reason (there should be ' +
    'none: the rate stays under the per-user limit), and server CPU is divided by the intents answered. Every ' +
    'intent also reaches every other player (`event-applied` plus the Yjs update of its effect), which is part of ' +
    'its cost; a second socket of the GM\'s holds the table document, and each applied intent is also timed from ' +
    'send to its effect in that document (its `/meta/sequence` passing the ack\'s sequence): what the table sees. ' +
    `Target: p99 ack under ${INTENT_P99_TARGET_MS} ms at 10,000/min on loopback. Quick mode seats ` +
    `${QUICK.players} players at the same rate per player.`,
  metrics: INTENT_METRICS,
  appliesTo: { targets: ['ours'], otherwise: 'no event log: intents, acks and sequencing exist only in Dungeon Lab' },
  scenarios: (quick) => MULTIPLIERS.map((m) => intentScenario(intentSizes(quick).players, m)),
  async run(spec: TargetSpec, context: RunContext): Promise<Measurement[]> {
    const s = intentSizes(context.quick);
    const out: Measurement[] = [];
    for (const multiplier of MULTIPLIERS) {
      context.log(`intents ${spec.name} ${intentScenario(s.players, multiplier)}, ${s.players} players`);
      out.push(
        await withTarget(spec, async (target) => {
          const table = await SessionTable.open(target, s.players);
          try {
            return await measureIntents(target, table, multiplier, s);
          } finally {
            await table.close();
          }
        }),
      );
    }
    return out;
  },
};
