import type { TargetSpec } from '../targets/registry.ts';
import { RoomFleet, type WindowResult } from './room-fleet.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { meterFields } from './meter-fields.ts';
import { withTarget } from './with-target.ts';

const CLIENTS = 100;
const WRITERS = 20;
// Fewer decoding receivers than in fan-out: at thousands of moves/s, applying updates is most of the
// generator's work, and 5 receivers still yield tens of thousands of latency samples per step.
const SAMPLES = 5;
const START_RATE = 100;
const MAX_RATE = 51_200;
const P99_LIMIT_MS = 100;
const LOSS_LIMIT = 0.001;

const RATES: number[] = [];
for (let rate = START_RATE; rate <= MAX_RATE; rate *= 2) RATES.push(rate);

const SUMMARY = 'knee';
const stepScenario = (rate: number): string => `${rate} moves/s`;

const metrics: readonly MetricSpec[] = [
  { key: 'held', label: 'highest rate held', unit: 'moves/s', better: 'higher', digits: 0 },
  { key: 'sendRate', label: 'sent', unit: 'moves/s', better: 'none', digits: 0 },
  { key: 'delivered', label: 'delivered', unit: 'moves/s', better: 'higher', digits: 0 },
  { key: 'p99', label: 'latency p99', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'loss', label: 'loss', unit: '%', better: 'lower', digits: 3 },
  { key: 'serverCpu', label: 'server CPU', unit: '% of a core', better: 'lower', digits: 0 },
];

function held(w: WindowResult): boolean {
  return w.latency.p99 <= P99_LIMIT_MS && w.loss <= LOSS_LIMIT && w.unexpectedCloses === 0;
}

export const knee: Workload = {
  name: 'knee',
  title: 'Knee: 100 clients in one room, move rate doubling until p99 > 100 ms or loss > 0.1 %',
  description:
    'One room with 100 clients, 20 of them writers. The combined move rate starts at 100/s and doubles every step ' +
    `(up to ${MAX_RATE}/s) until the p99 latency exceeds ${P99_LIMIT_MS} ms, loss exceeds 0.1 % or the server drops a ` +
    'client. Steps run while the load generator was saturated are marked; one that held still counts (a slow ' +
    'generator only adds latency), one that failed may have failed for the generator. A step that ' +
    'fails is run once more before the sweep ends, so one GC pause or a burst of other load does not decide the ' +
    'knee. The summary row is the highest rate that held. The 75 counting receivers read their sockets with a ' +
    'minimal frame parser instead of the ws library, in bursts every 25 ms rather than on every segment: with ws ' +
    'the generator saturated near 1,600 moves/s, with the parser alone it passed 80 % of its core about there, and ' +
    'with both it stays near half a core at 3,200 moves/s. Latency is measured on the 5 sampled receivers, which ' +
    'read at once.',
  metrics,
  scenarios: () => [SUMMARY, ...RATES.map(stepScenario)],
  async run(spec: TargetSpec, context: RunContext): Promise<Measurement[]> {
    const durationMs = context.quick ? 2_000 : 8_000;
    return withTarget(spec, async (target) => {
      const fleet = await RoomFleet.open(target, [{ room: 'table', clients: CLIENTS, writers: WRITERS, samples: SAMPLES, lean: true }]);
      const out: Measurement[] = [];
      let best: { rate: number; w: WindowResult } | undefined;
      let stop = `reached the ${MAX_RATE}/s cap`;
      /** First rate at which the generator used more than 80 % of its core. */
      let saturatedFrom: number | undefined;
      let maxLoadgen = 0;
      try {
        // Unmeasured: lets both sides JIT-compile their hot paths before the first step counts.
        await fleet.runWindow({ ratePerSecond: START_RATE, durationMs: context.quick ? 500 : 2_000, warmupMs: 0, drainMs: 1_000 });
        for (const rate of RATES) {
          context.log(`knee ${spec.name} ${rate}/s`);
          const step = (): Promise<WindowResult> =>
            fleet.runWindow({
              ratePerSecond: rate,
              durationMs,
              warmupMs: context.quick ? 300 : 1_000,
              drainMs: context.quick ? 1_000 : 3_000,
            });
          let w = await step();
          const notes: string[] = [];
          if (!held(w)) {
            // One GC pause or a burst from another process can spoil a single window; a rate
            // only fails if it fails twice in a row.
            notes.push(`${rate}/s was retried: the first attempt had p99 ${w.latency.p99.toFixed(1)} ms, loss ${(w.loss * 100).toFixed(3)} %`);
            w = await step();
          }
          maxLoadgen = Math.max(maxLoadgen, w.meter.loadgenCpuShare);
          out.push({
            target: spec.name,
            scenario: stepScenario(rate),
            metrics: {
              held: null,
              sendRate: w.sendRate,
              delivered: w.deliveredPerSecond,
              p99: w.latency.p99,
              loss: w.loss * 100,
              serverCpu: w.serverCpuShare * 100,
            },
            ...meterFields(w.meter),
            notes,
          });
          if (!held(w)) {
            stop = `failed at ${rate}/s: p99 ${w.latency.p99.toFixed(1)} ms, loss ${(w.loss * 100).toFixed(3)} %, ${w.unexpectedCloses} dropped`;
            if (w.meter.unreliable) stop = `load generator saturated; ${stop}, which may be the generator's limit`;
            break;
          }
          // A step held while the generator was saturated still counts: a slow generator only adds
          // latency, so the server held at least this. The sweep goes on until a step fails.
          best = { rate, w };
          if (w.meter.unreliable) saturatedFrom ??= rate;
        }
      } finally {
        await fleet.close();
      }
      out.unshift({
        target: spec.name,
        scenario: SUMMARY,
        metrics: {
          held: best?.rate ?? 0,
          sendRate: best?.w.sendRate ?? null,
          delivered: best?.w.deliveredPerSecond ?? null,
          p99: best?.w.latency.p99 ?? null,
          loss: best ? best.w.loss * 100 : null,
          serverCpu: best ? best.w.serverCpuShare * 100 : null,
        },
        ...meterFields(best?.w.meter),
        loadgenCpuShare: maxLoadgen,
        unreliable: best?.w.meter.unreliable ?? false,
        notes: [stop, ...(saturatedFrom === undefined ? [] : [`the load generator was saturated from ${saturatedFrom}/s on`])],
      });
      return out;
    });
  },
};
