import type { TargetName } from '../targets/registry.ts';
import type { Measurement, RunResults, WorkloadName, WorkloadResult } from '../workloads/types.ts';
import { INTENT_P99_TARGET_MS } from '../workloads/intents.ts';
import { SPLIT_ADDED_P99_TARGET_MS } from '../workloads/scaleout.ts';
import { formatNumber } from './format.ts';

/** One of the issue's targets, judged from one run's figures. */
export interface TargetVerdict {
  readonly target: string;
  readonly ours: string;
  readonly bound: string;
  /** undefined: the run lacks the figures (workload not run, or a target failed). */
  readonly met: boolean | undefined;
  readonly note?: string;
}

type Pick = (m: Measurement) => boolean;

class Figures {
  constructor(private readonly result: WorkloadResult | undefined) {}

  get ran(): boolean {
    return this.result !== undefined;
  }

  value(target: TargetName, pick: Pick, key: string): number | undefined {
    const m = this.result?.measurements.find((x) => x.target === target && pick(x));
    const v = m?.metrics[key];
    return v === null || v === undefined || Number.isNaN(v) ? undefined : v;
  }

  unreliable(target: TargetName, pick: Pick): boolean {
    return this.result?.measurements.find((x) => x.target === target && pick(x))?.unreliable ?? false;
  }

  /** The better of the two references (lower or higher), with its name. */
  better(pick: Pick, key: string, direction: 'lower' | 'higher'): { value: number; name: TargetName } | undefined {
    const found = (['reference', 'hocuspocus'] as const)
      .map((name) => ({ name, value: this.value(name, pick, key) }))
      .filter((x): x is { name: 'reference' | 'hocuspocus'; value: number } => x.value !== undefined);
    if (found.length === 0) return undefined;
    return found.reduce((a, b) => ((direction === 'lower' ? b.value < a.value : b.value > a.value) ? b : a));
  }
}

const n = (v: number | undefined, digits: number, unit = ''): string => (v === undefined ? '—' : `${formatNumber(v, digits)}${unit}`);
const scenario = (prefix: string): Pick => (m) => m.scenario.startsWith(prefix);
const withMetric = (key: string): Pick => (m) => m.metrics[key] !== null && m.metrics[key] !== undefined;

/** The issue's targets, each as ours against its bound (ours ÷ the better reference, in the same run). */
export function judgeTargets({ results }: RunResults): TargetVerdict[] {
  const of = (name: WorkloadName): Figures => new Figures(results.find((r) => r.workload === name));
  const out: TargetVerdict[] = [];

  const fanout = of('fanout');
  if (fanout.ran) {
    const largest = (m: Measurement): boolean => m.scenario === '500 clients';
    const cpu = fanout.value('ours', largest, 'cpuPerDelivery');
    const cpuRef = fanout.better(largest, 'cpuPerDelivery', 'lower');
    out.push({
      target: 'table fan-out, 500 clients: server CPU per delivery ≤ 0.6 × the better reference',
      ours: n(cpu, 2, ' µs'),
      bound: cpuRef ? `${n(cpuRef.value * 0.6, 2, ' µs')} (0.6 × ${cpuRef.name} ${n(cpuRef.value, 2)})` : '—',
      met: cpu !== undefined && cpuRef !== undefined ? cpu <= cpuRef.value * 0.6 : undefined,
    });
    const p99 = fanout.value('ours', largest, 'p99');
    const p99Ref = fanout.better(largest, 'p99', 'lower');
    out.push({
      target: 'table fan-out, 500 clients: p99 latency no worse than the better reference (every update stored durably)',
      ours: n(p99, 2, ' ms'),
      bound: p99Ref ? `${n(p99Ref.value, 2, ' ms')} (${p99Ref.name})` : '—',
      met: p99 !== undefined && p99Ref !== undefined ? p99 <= p99Ref.value : undefined,
    });
  }

  const knee = of('knee');
  if (knee.ran) {
    const summary = (m: Measurement): boolean => m.scenario === 'knee';
    const held = knee.value('ours', summary, 'held');
    const ref = knee.better(summary, 'held', 'higher');
    const capped = (['ours', 'reference', 'hocuspocus'] as const).filter((t) => knee.unreliable(t, summary));
    out.push({
      target: 'knee: sustain ≥ 2 × the highest rate at which the better reference holds p99 ≤ 100 ms',
      ours: n(held, 0, ' moves/s'),
      bound: ref ? `${n(ref.value * 2, 0, ' moves/s')} (2 × ${ref.name} ${n(ref.value, 0)})` : '—',
      met: held !== undefined && ref !== undefined ? held >= ref.value * 2 : undefined,
      ...(capped.length > 0 ? { note: `load generator saturated for ${capped.join(', ')}: those knees are at least the figure shown` } : {}),
    });
  }

  const bigdoc = of('bigdoc');
  if (bigdoc.ran) {
    const crowd = scenario('20 simultaneous');
    const recv = bigdoc.value('ours', crowd, 'recvMax');
    // Fast means nothing if the joiners did not get the whole document.
    const whole = bigdoc.value('ours', crowd, 'complete') === 100;
    const notes = [
      ...(whole ? [] : ['the joiners did not receive the whole document']),
      ...(bigdoc.unreliable('ours', crowd) ? ['the load generator saturated receiving 20 × 10 MB'] : []),
    ];
    out.push({
      target: 'big document: 20 simultaneous joiners of a 10 MB doc have all received the full state within 1.5 s',
      ours: n(recv, 0, ' ms'),
      bound: '1,500 ms',
      met: recv === undefined ? undefined : whole && recv <= 1_500,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    });
    const rss = bigdoc.value('ours', crowd, 'rssPeak');
    const rssRef = bigdoc.better(crowd, 'rssPeak', 'lower');
    out.push({
      target: 'big document: server peak RSS ≤ 0.75 × the better reference',
      ours: n(rss, 1, ' MB'),
      bound: rssRef ? `${n(rssRef.value * 0.75, 1, ' MB')} (0.75 × ${rssRef.name} ${n(rssRef.value, 1)})` : '—',
      met: rss !== undefined && rssRef !== undefined ? whole && rss <= rssRef.value * 0.75 : undefined,
      ...(whole ? {} : { note: 'the joiners did not receive the whole document' }),
    });
  }

  const memory = of('memory');
  if (memory.ran) {
    const left = memory.value('ours', withMetric('rssPerLeftRoom'), 'rssPerLeftRoom');
    out.push({ target: 'memory: an evicted idle room ≤ 50 KB of RSS', ours: n(left, 1, ' KB'), bound: '50 KB', met: left === undefined ? undefined : left <= 50 });
    const conn = memory.value('ours', withMetric('rssPerIdleConnection'), 'rssPerIdleConnection');
    out.push({ target: 'memory: each idle connection ≤ 20 KB', ours: n(conn, 1, ' KB'), bound: '20 KB', met: conn === undefined ? undefined : conn <= 20 });
  }

  const storm = of('storm');
  if (storm.ran) {
    const any = (): boolean => true;
    const resync = storm.value('ours', any, 'resync99Ms');
    const lost = storm.value('ours', any, 'lost');
    out.push({
      target: 'reconnect storm: 99 % resynced ≤ 5 s after the kill, 0 lost updates',
      ours: `${n(resync, 0, ' ms')}, ${n(lost, 0)} lost`,
      bound: '5,000 ms, 0 lost',
      met: resync !== undefined && lost !== undefined ? resync <= 5_000 && lost === 0 : undefined,
    });
  }

  const wire = of('wire');
  if (wire.ran) {
    const any = (): boolean => true;
    const frame = wire.value('ours', any, 'downWire');
    const json = wire.value('ours', any, 'jsonFull');
    out.push({
      target: 'wire: a token move ≤ 40 B, i.e. ≤ 1/8 of the full token as JSON',
      ours: n(frame, 0, ' B per frame to each client'),
      bound: json === undefined ? '40 B' : `40 B and ${n(json / 8, 1, ' B')} (${n(json, 0)} ÷ 8)`,
      met: frame !== undefined && json !== undefined ? frame <= 40 && frame <= json / 8 : undefined,
    });
  }

  const intents = of('intents');
  if (intents.ran) {
    const first = scenario('10,000/min');
    const p99 = intents.value('ours', first, 'p99');
    out.push({
      target: 'intents: p99 ack ≤ 50 ms at 10,000 intents/min with 100 clients connected',
      ours: n(p99, 2, ' ms'),
      bound: '50 ms',
      met: p99 === undefined ? undefined : p99 <= 50,
    });
  }
  return out;
}

export function renderTargets(verdicts: readonly TargetVerdict[]): string {
  const rows = verdicts.map((v) => {
    const status = v.met === undefined ? 'not measured' : v.met ? '**met**' : '**missed**';
    return `| ${v.target} | ${v.ours} | ${v.bound} | ${status}${v.note ? ` (${v.note})` : ''} |`;
  });
  return ['| target | ours | bound | status |', '| --- | ---: | ---: | --- |', ...rows].join('\n');
}

/**
 * The scale-out targets: per client count, what splitting the table over the processes adds to a move's
 * p99 (< 5 ms), and the p99 ack of intents sent to every process (< 50 ms, as on one).
 */
export function judgeScaleout({ results }: RunResults): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  const fanout = results.find((r) => r.workload === 'scaleout-fanout');
  for (const m of fanout?.measurements ?? []) {
    const added = m.metrics.addedBySplit;
    if (added === null || added === undefined) continue;
    const clients = m.scenario.split(' · ')[0]!;
    out.push({
      target: `table fan-out, ${clients} split over the processes: p99 added over one process on the same Redis and store < ${SPLIT_ADDED_P99_TARGET_MS} ms`,
      ours: `${n(added, 2, ' ms')} (p99 ${n(m.metrics.p99 ?? undefined, 2, ' ms')})`,
      bound: `${SPLIT_ADDED_P99_TARGET_MS} ms`,
      met: Number.isNaN(added) ? undefined : added < SPLIT_ADDED_P99_TARGET_MS,
      ...(m.unreliable ? { note: 'load generator saturated' } : {}),
    });
  }
  const intents = results.find((r) => r.workload === 'scaleout-intents');
  const split = intents?.measurements.find((m) => m.metrics.addedBySplit !== null && m.metrics.addedBySplit !== undefined);
  if (split) {
    const p99 = split.metrics.p99 ?? undefined;
    out.push({
      target: `intents from players on every process: p99 ack < ${INTENT_P99_TARGET_MS} ms at ${split.scenario.split(' · ')[0]}`,
      ours: n(p99, 2, ' ms'),
      bound: `${INTENT_P99_TARGET_MS} ms`,
      met: p99 === undefined || Number.isNaN(p99) ? undefined : p99 < INTENT_P99_TARGET_MS,
    });
  }
  return out;
}
