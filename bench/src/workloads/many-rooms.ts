import { setTimeout as sleep } from 'node:timers/promises';
import type { TargetSpec } from '../targets/registry.ts';
import type { ServerStats } from '../targets/servers/harness.ts';
import { RoomFleet, type RoomPlan, type WindowResult } from './room-fleet.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { meterFields } from './meter-fields.ts';
import { BENCH_EVICT_AFTER_MS, mb, withTarget } from './with-target.ts';

const CLIENTS_PER_ROOM = 5;
const SAMPLED_ROOMS = 20;
const KEEP_SHARE = 0.1;
/** Time past the eviction delay before memory is read, for the target's timers and unloading to finish. */
const EVICTION_MARGIN_MS = 3_000;

const sizes = (quick: boolean): { rooms: number; activeMs: number } =>
  quick ? { rooms: 100, activeMs: 4_000 } : { rooms: 1_000, activeMs: 20_000 };

const BASELINE = 'idle server';
const active = (rooms: number): string => `${rooms} rooms × ${CLIENTS_PER_ROOM} clients, 1 move/s each room`;
const AFTER = `after 90 % of rooms left (+ eviction delay)`;

const metrics: readonly MetricSpec[] = [
  { key: 'activeRooms', label: 'rooms with clients', unit: '', better: 'none', digits: 0 },
  { key: 'residentRooms', label: 'rooms held by the server', unit: '', better: 'lower', digits: 0 },
  { key: 'rss', label: 'server RSS after GC', unit: 'MB', better: 'lower', digits: 1 },
  { key: 'heap', label: 'server heap used after GC', unit: 'MB', better: 'lower', digits: 1 },
  { key: 'rssOverBaseline', label: 'server RSS over idle baseline', unit: 'MB', better: 'lower', digits: 1 },
  { key: 'rssPerActiveRoom', label: 'RSS over idle baseline per active room', unit: 'KB', better: 'lower', digits: 1 },
  { key: 'rssPeak', label: 'server RSS peak', unit: 'MB', better: 'lower', digits: 1 },
  { key: 'p99', label: 'latency p99 (sampled rooms)', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'loss', label: 'loss', unit: '%', better: 'lower', digits: 2 },
  { key: 'serverCpu', label: 'server CPU', unit: '% of a core', better: 'lower', digits: 1 },
];

function measurement(
  spec: TargetSpec,
  scenario: string,
  stats: ServerStats,
  baseline: ServerStats,
  activeRooms: number,
  window: WindowResult | undefined,
  perRoom: boolean,
): Measurement {
  return {
    target: spec.name,
    scenario,
    metrics: {
      activeRooms,
      residentRooms: stats.rooms ?? null,
      rss: mb(stats.rssKb),
      heap: mb(stats.heapUsedKb),
      rssOverBaseline: mb(stats.rssKb - baseline.rssKb),
      rssPerActiveRoom: perRoom && activeRooms > 0 ? (stats.rssKb - baseline.rssKb) / activeRooms : null,
      rssPeak: window ? mb(window.meter.serverRssPeakKb) : null,
      p99: window?.latency.p99 ?? null,
      loss: window ? window.loss * 100 : null,
      serverCpu: window ? window.serverCpuShare * 100 : null,
    },
    ...meterFields(window?.meter),
    notes: window && window.unexpectedCloses > 0 ? [`${window.unexpectedCloses} clients were disconnected by the server`] : [],
  };
}

export const manyRooms: Workload = {
  name: 'rooms',
  title: 'Many rooms: 1,000 rooms × 5 clients at 1 move/s per room, then 90 % go idle',
  description:
    'Many small tables at once: every room has 5 clients, one of which moves a token once a second. Memory is read ' +
    'inside the target after a compacting full GC (RSS and heap used) and compared with the same target idle. Then the ' +
    'clients of 90 % of the rooms disconnect; the remaining rooms keep playing, and after the eviction delay (' +
    `${BENCH_EVICT_AFTER_MS / 1000} s for ours; the reference never unloads, Hocuspocus unloads at once) memory is read ` +
    'again. "RSS per active room" is (RSS − idle RSS) ÷ rooms, while all rooms are active.',
  metrics,
  scenarios: (quick) => [BASELINE, active(sizes(quick).rooms), AFTER],
  async run(spec: TargetSpec, context: RunContext): Promise<Measurement[]> {
    const { rooms, activeMs } = sizes(context.quick);
    const sampleEvery = Math.max(1, Math.floor((rooms * KEEP_SHARE) / SAMPLED_ROOMS));
    const keep = (i: number): boolean => i < rooms * KEEP_SHARE;
    // Sampled rooms are among the ones that stay, so latency is measured in both phases.
    const plans: RoomPlan[] = Array.from({ length: rooms }, (_, i) => ({
      room: `room-${i}`,
      clients: CLIENTS_PER_ROOM,
      writers: 1,
      samples: keep(i) && i % sampleEvery === 0 ? 1 : 0,
    }));
    return withTarget(spec, async (target) => {
      const baseline = await target.stats();
      context.log(`rooms ${spec.name}: joining ${rooms * CLIENTS_PER_ROOM} clients`);
      const fleet = await RoomFleet.open(target, plans, 100);
      try {
        const busy = await fleet.runWindow({
          ratePerSecond: rooms,
          durationMs: activeMs,
          warmupMs: 1_000,
          drainMs: 3_000,
        });
        const busyStats = await target.stats();
        context.log(`rooms ${spec.name}: 90 % leave`);
        await fleet.leaveRooms((_, i) => keep(i));
        // The rooms that stay keep playing through the eviction delay.
        const remaining = fleet.activeRoomCount;
        const idle = await fleet.runWindow({
          ratePerSecond: remaining,
          durationMs: BENCH_EVICT_AFTER_MS + EVICTION_MARGIN_MS,
          warmupMs: 500,
          drainMs: 2_000,
        });
        await sleep(200);
        const idleStats = await target.stats();
        return [
          measurement(spec, BASELINE, baseline, baseline, 0, undefined, false),
          measurement(spec, active(rooms), busyStats, baseline, rooms, busy, true),
          measurement(spec, AFTER, idleStats, baseline, remaining, idle, false),
        ];
      } finally {
        await fleet.close();
      }
    });
  },
};
