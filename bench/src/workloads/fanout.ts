import { type Servers, asDeployment } from '../targets/deployment.ts';
import type { TargetSpec } from '../targets/registry.ts';
import { RoomFleet } from './room-fleet.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { meterFields, serviceCpuPer } from './meter-fields.ts';
import { mb, withTarget } from './with-target.ts';

const FULL_CLIENTS = [10, 50, 100, 250, 500];
const QUICK_CLIENTS = [10, 50, 100];
const WRITERS = 20;
const RATE = 100;
const SAMPLES = 20;

const scenario = (clients: number): string => `${clients} clients`;

export const FANOUT_METRICS: readonly MetricSpec[] = [
  { key: 'delivered', label: 'delivered', unit: 'moves/s', better: 'higher', digits: 0 },
  { key: 'loss', label: 'loss', unit: '%', better: 'lower', digits: 2 },
  { key: 'p50', label: 'latency p50', unit: 'ms', better: 'lower', digits: 2 },
  { key: 'p95', label: 'latency p95', unit: 'ms', better: 'lower', digits: 2 },
  { key: 'p99', label: 'latency p99', unit: 'ms', better: 'lower', digits: 2 },
  { key: 'max', label: 'latency max', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'cpuPerDelivery', label: 'server CPU per delivery', unit: 'µs', better: 'lower', digits: 2 },
  { key: 'rssPeak', label: 'server RSS peak', unit: 'MB', better: 'lower', digits: 1 },
];

export const fanout: Workload = {
  name: 'fanout',
  title: 'Table fan-out: one room, 20 writers moving tokens, 100 moves/s in total',
  description:
    'One room with N clients. 20 of them (all of them when N < 20) move their own token at a combined 100 moves/s; ' +
    'every client, the mover included, receives every move. Up to 20 receivers decode into a Y.Doc and measure ' +
    'latency from the send time written into the token and loss from its sequence number; the others only count ' +
    'frames. Each N runs on a freshly started target.',
  metrics: FANOUT_METRICS,
  scenarios: (quick) => (quick ? QUICK_CLIENTS : FULL_CLIENTS).map(scenario),
  async run(spec: TargetSpec, context: RunContext): Promise<Measurement[]> {
    const out: Measurement[] = [];
    for (const clients of context.quick ? QUICK_CLIENTS : FULL_CLIENTS) {
      context.log(`fanout ${spec.name} ${clients} clients`);
      out.push(await withTarget(spec, (target) => measureFanout(target, clients, scenario(clients), context)));
    }
    return out;
  },
};

/**
 * One table of `clients` on `servers` (over several processes, the clients connect to them in turn), 20
 * writers at 100 moves/s in all, one window. Also gives the shared services' CPU per delivery
 * (`serviceCpuPer`), which only the scale-out workload shows.
 */
export async function measureFanout(servers: Servers, clients: number, label: string, context: RunContext): Promise<Measurement> {
  const durationMs = context.quick ? 3_000 : 15_000;
  const fleet = await RoomFleet.open(servers, [{ room: 'table', clients, writers: WRITERS, samples: SAMPLES }]);
  try {
    const w = await fleet.runWindow({
      ratePerSecond: RATE,
      durationMs,
      warmupMs: context.quick ? 500 : 2_000,
      drainMs: context.quick ? 2_000 : 5_000,
    });
    const notes = w.unexpectedCloses > 0 ? [`${w.unexpectedCloses} clients were disconnected by the server`] : [];
    return {
      target: asDeployment(servers).spec.name,
      scenario: label,
      metrics: {
        delivered: w.deliveredPerSecond,
        loss: w.loss * 100,
        p50: w.latency.p50,
        p95: w.latency.p95,
        p99: w.latency.p99,
        max: w.latency.max,
        cpuPerDelivery: w.serverCpuUsPerDelivery,
        ...serviceCpuPer(w.meter, 'Delivery', w.deliveries),
        rssPeak: mb(w.meter.serverRssPeakKb),
      },
      ...meterFields(w.meter),
      notes,
    };
  } finally {
    await fleet.close();
  }
}
