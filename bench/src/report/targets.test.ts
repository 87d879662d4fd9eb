import { describe, expect, it } from 'vitest';
import type { TargetName } from '../targets/registry.ts';
import type { Measurement, RunMeta, RunResults, WorkloadName, WorkloadResult } from '../workloads/types.ts';
import { judgeScaleout, judgeTargets } from './targets.ts';

const measurement = (target: TargetName, scenario: string, metrics: Record<string, number | null>, unreliable = false): Measurement => ({
  target,
  scenario,
  metrics,
  loadgenCpuShare: 0.3,
  unreliable,
  foreignLoad: undefined,
  notes: [],
});

const workload = (name: WorkloadName, measurements: Measurement[]): WorkloadResult => ({
  workload: name,
  title: name,
  description: '',
  metrics: [],
  scenarios: [...new Set(measurements.map((m) => m.scenario))],
  targets: ['ours', 'reference', 'hocuspocus'],
  measurements,
  failures: {},
});

const run = (...results: WorkloadResult[]): RunResults => ({ meta: {} as RunMeta, results });

describe('judgeTargets', () => {
  it('compares ours with the better reference of the same run', () => {
    const [cpu, p99] = judgeTargets(
      run(
        workload('fanout', [
          measurement('ours', '500 clients', { cpuPerDelivery: 3.0, p99: 7.0 }),
          measurement('reference', '500 clients', { cpuPerDelivery: 5.0, p99: 8.0 }),
          measurement('hocuspocus', '500 clients', { cpuPerDelivery: 6.0, p99: 6.5 }),
        ]),
      ),
    );
    expect(cpu).toMatchObject({ met: true, bound: '3.00 µs (0.6 × reference 5.00)' });
    expect(p99).toMatchObject({ met: false, bound: '6.50 ms (hocuspocus)' });
  });

  it('does not count a fast big-document join that did not deliver the whole document', () => {
    const crowd = '20 simultaneous fresh joiners';
    const verdicts = judgeTargets(
      run(
        workload('bigdoc', [
          measurement('ours', crowd, { recvMax: 40, complete: 0, rssPeak: 90 }),
          measurement('reference', crowd, { recvMax: 3000, complete: 100, rssPeak: 300 }),
          measurement('hocuspocus', crowd, { recvMax: 3400, complete: 100, rssPeak: 350 }),
        ]),
      ),
    );
    expect(verdicts.map((v) => v.met)).toEqual([false, false]);
  });

  it('says when the generator, not the server, ended the knee sweep', () => {
    const [knee] = judgeTargets(
      run(
        workload('knee', [
          measurement('ours', 'knee', { held: 3200 }, true),
          measurement('reference', 'knee', { held: 800 }),
          measurement('hocuspocus', 'knee', { held: 1600 }),
        ]),
      ),
    );
    expect(knee).toMatchObject({ met: true, note: expect.stringContaining('ours') });
  });

  it('leaves out what the run did not measure', () => {
    expect(judgeTargets(run())).toEqual([]);
  });
});

describe('judgeScaleout', () => {
  it('judges what the split adds to p99 per client count, and the intents p99 across processes', () => {
    const verdicts = judgeScaleout(
      run(
        workload('scaleout-fanout', [
          measurement('ours', '100 clients · 1 process, Redis', { p99: 4.0, addedBySplit: null }),
          measurement('ours', '100 clients · 3 processes, Redis', { p99: 7.5, addedBySplit: 3.5 }),
          measurement('ours', '250 clients · 3 processes, Redis', { p99: 20, addedBySplit: 6.25 }),
        ]),
        workload('scaleout-intents', [
          measurement('ours', '10,000/min (1×) · 1 process', { p99: 20, addedBySplit: null }),
          measurement('ours', '10,000/min (1×) · 3 processes', { p99: 61, addedBySplit: 41 }),
        ]),
      ),
    );
    expect(verdicts.map((v) => [v.target.split(':')[0], v.ours, v.met])).toEqual([
      ['table fan-out, 100 clients split over the processes', '3.50 ms (p99 7.50 ms)', true],
      ['table fan-out, 250 clients split over the processes', '6.25 ms (p99 20.00 ms)', false],
      ['intents from players on every process', '61.00 ms', false],
    ]);
  });
});
