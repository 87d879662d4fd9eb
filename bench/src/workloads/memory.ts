import { setTimeout as sleep } from 'node:timers/promises';
import type { TargetSpec } from '../targets/registry.ts';
import type { ServerStats } from '../targets/servers/harness.ts';
import { RoomFleet } from './room-fleet.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { meterFields } from './meter-fields.ts';
import { BENCH_EVICT_AFTER_MS, mb, withTarget } from './with-target.ts';

/** Time past the eviction delay before memory is read, for the target's timers and unloading to finish. */
const EVICTION_MARGIN_MS = 3_000;
const IDLE_PER_ROOM = 10;

const sizes = (quick: boolean): { rooms: number; crowdedRooms: number } =>
  quick ? { rooms: 200, crowdedRooms: 40 } : { rooms: 1_000, crowdedRooms: 200 };

const BASELINE = 'idle server';
const visited = (rooms: number): string => `${rooms.toLocaleString('en-US')} rooms, 1 client and 1 token each`;
const crowded = (crowdedRooms: number): string =>
  `+ ${(crowdedRooms * IDLE_PER_ROOM).toLocaleString('en-US')} idle clients (${IDLE_PER_ROOM} in each of ${crowdedRooms} rooms)`;
const LEFT = 'everyone left, after the eviction delay';

const metrics: readonly MetricSpec[] = [
  { key: 'residentRooms', label: 'rooms held by the server', unit: '', better: 'lower', digits: 0 },
  { key: 'rss', label: 'server RSS after GC', unit: 'MB', better: 'lower', digits: 1 },
  { key: 'heap', label: 'server heap used after GC', unit: 'MB', better: 'lower', digits: 1 },
  { key: 'rssPerRoom', label: 'RSS per room with a client', unit: 'KB', better: 'lower', digits: 1 },
  { key: 'rssPerIdleConnection', label: 'RSS per idle connection', unit: 'KB', better: 'lower', digits: 1 },
  { key: 'heapPerIdleConnection', label: 'heap per idle connection', unit: 'KB', better: 'lower', digits: 1 },
  { key: 'rssPerLeftRoom', label: 'RSS kept per room after everyone left', unit: 'KB', better: 'lower', digits: 1 },
  { key: 'heapPerLeftRoom', label: 'heap kept per room after everyone left', unit: 'KB', better: 'lower', digits: 1 },
];

const row = (spec: TargetSpec, scenario: string, stats: ServerStats, figures: Record<string, number | null>): Measurement => ({
  target: spec.name,
  scenario,
  metrics: {
    residentRooms: stats.rooms ?? null,
    rss: mb(stats.rssKb),
    heap: mb(stats.heapUsedKb),
    rssPerRoom: null,
    rssPerIdleConnection: null,
    heapPerIdleConnection: null,
    rssPerLeftRoom: null,
    heapPerLeftRoom: null,
    ...figures,
  },
  ...meterFields(undefined),
  notes: [],
});

export const memory: Workload = {
  name: 'memory',
  title: 'Memory: idle connections, and rooms after everyone left',
  description:
    'What a server keeps for what is not happening. 1,000 rooms are each visited by one client that places one ' +
    `token; then ${IDLE_PER_ROOM} more clients sit idle in each of 200 of those rooms; then every client leaves and ` +
    `the eviction delay passes (${BENCH_EVICT_AFTER_MS / 1000} s for ours; the reference never unloads a room, ` +
    'Hocuspocus unloads at once). Memory is read inside the target after a compacting full GC, once V8 has returned the pages it freed. Per idle ' +
    'connection: the growth from the second step ÷ the clients it added. Per room after everyone left: RSS (and ' +
    'heap) over the idle server ÷ rooms visited. RSS includes what the allocator keeps for reuse rather than ' +
    'give back, so heap is the tighter figure for what is retained.',
  metrics,
  scenarios: (quick) => {
    const { rooms, crowdedRooms } = sizes(quick);
    return [BASELINE, visited(rooms), crowded(crowdedRooms), LEFT];
  },
  async run(spec: TargetSpec, context: RunContext): Promise<Measurement[]> {
    const { rooms, crowdedRooms } = sizes(context.quick);
    return withTarget(spec, async (target) => {
      const baseline = await target.stats();
      context.log(`memory ${spec.name}: ${rooms} rooms`);
      const visitors = await RoomFleet.open(
        target,
        Array.from({ length: rooms }, (_, i) => ({ room: `room-${i}`, clients: 1, writers: 1, samples: 0 })),
      );
      let crowd: RoomFleet | undefined;
      let open = true;
      try {
        await sleep(500);
        const withRooms = await target.stats();
        context.log(`memory ${spec.name}: ${crowdedRooms * IDLE_PER_ROOM} idle clients`);
        crowd = await RoomFleet.open(
          target,
          Array.from({ length: crowdedRooms }, (_, i) => ({ room: `room-${i}`, clients: IDLE_PER_ROOM, writers: 0, samples: 0 })),
        );
        await sleep(500);
        const withCrowd = await target.stats();
        open = false;
        await crowd.close();
        await visitors.close();
        await sleep(BENCH_EVICT_AFTER_MS + EVICTION_MARGIN_MS);
        const left = await target.stats();
        const idleClients = crowdedRooms * IDLE_PER_ROOM;
        return [
          row(spec, BASELINE, baseline, {}),
          row(spec, visited(rooms), withRooms, { rssPerRoom: (withRooms.rssKb - baseline.rssKb) / rooms }),
          row(spec, crowded(crowdedRooms), withCrowd, {
            rssPerIdleConnection: (withCrowd.rssKb - withRooms.rssKb) / idleClients,
            heapPerIdleConnection: (withCrowd.heapUsedKb - withRooms.heapUsedKb) / idleClients,
          }),
          row(spec, LEFT, left, {
            rssPerLeftRoom: (left.rssKb - baseline.rssKb) / rooms,
            heapPerLeftRoom: (left.heapUsedKb - baseline.heapUsedKb) / rooms,
          }),
        ];
      } finally {
        if (open) {
          await crowd?.close();
          await visitors.close();
        }
      }
    });
  },
};
