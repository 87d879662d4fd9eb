import { readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AnonymousParts, anonymousParts, readSmaps, rssParts } from '../host/proc-memory.ts';
import type { TargetSpec } from '../targets/registry.ts';
import type { ServerStats } from '../targets/servers/harness.ts';
import type { TargetProcess } from '../targets/target-process.ts';
import { meterFields } from './meter-fields.ts';
import { type RoomPlan, RoomFleet } from './room-fleet.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { type Prefill, prefillStore, roomId } from './store-prefill.ts';
import { BENCH_EVICT_AFTER_MS, mb, withTarget } from './with-target.ts';

/** The knee of the published run (docs/benchmarks.md, "Knee"): the highest move rate ours held in one 100-client room. */
export const KNEE_MOVES_PER_SECOND = 3_200;
/** The soak runs at this share of the knee: busy, with headroom, as a long evening at many tables. */
const SOAK_SHARE = 0.6;
/** Every generation of players stays this long, then leaves as the next sits down. */
const GENERATION_MS = 20_000;
const ROOMS_PER_GENERATION = 20;
const CLIENTS_PER_ROOM = 10;
const WRITERS_PER_ROOM = 2;
/** The share of the run before the slope is fitted: allocator pools and JIT settle first. */
const WARMUP_SHARE = 0.25;
/** Past the eviction delay, for timers and unloading to finish. */
const EVICTION_MARGIN_MS = 3_000;

export interface SoakOptions {
  readonly durationMs: number;
  readonly movesPerSecond: number;
  readonly log: (message: string) => void;
}

/** One reading, taken after each generation. */
export interface SoakSample {
  readonly atMs: number;
  readonly stats: ServerStats;
  readonly openFiles: number;
  /** Of those, sockets: listening, clients, the store's none. */
  readonly sockets: number;
  /** RSS split by what backs it (/proc status, kB): the process's own memory and mapped files. */
  readonly rssAnonKb: number;
  readonly rssFileKb: number;
  /** The anonymous part by who allocated it (/proc smaps). */
  readonly anonymous: AnonymousParts;
}

export interface SoakResult {
  readonly samples: readonly SoakSample[];
  /** Before anyone joined. */
  readonly idle: SoakSample;
  /** Everyone gone and the eviction delay passed. */
  readonly after: SoakSample;
  /** Least-squares slopes over the samples after the warm-up, MB per hour. */
  readonly rssSlopeMbPerHour: number;
  /**
   * Of RSS, the process's own memory (heap, native allocations): where a
   * leak shows. The rest is file-backed: LevelDB maps the store's tables, so
   * a store that grows adds clean pages the kernel may drop, up to LevelDB's
   * table cache (990 tables by default).
   */
  readonly rssAnonSlopeMbPerHour: number;
  readonly rssFileSlopeMbPerHour: number;
  /** The anonymous part's slope by who allocated it: glibc's heaps (main and arenas), V8's heap pages, and every other mapping. */
  readonly anonymousSlopesMbPerHour: { readonly glibcHeaps: number; readonly v8Pages: number; readonly otherMappings: number };
  /**
   * The slope of the anonymous part's floor: the lowest reading of each
   * `FLOOR_BLOCK` generations. A reading lands on whatever the allocator
   * still holds of the last generation's buffers (tens of MB either way); a
   * leak raises every reading, the floor included.
   */
  readonly rssAnonFloorSlopeMbPerHour: number;
  readonly heapSlopeMbPerHour: number;
  /** LevelDB's own estimate of its native memory (block cache, memtables), where the target reports it. */
  readonly storeMemorySlopeMbPerHour: number;
  /** V8's committed heap (used or not), after the compacting collection. */
  readonly heapCommittedSlopeMbPerHour: number;
  /** RSS as read before compacting (as every soak before 2026-12-06 read it), for comparison. */
  readonly rssBeforeCompactionSlopeMbPerHour: number;
  readonly moves: number;
  readonly generations: number;
  /** Share of moves that the sampled receivers never saw, over the run. */
  readonly loss: number;
  readonly unexpectedCloses: number;
  readonly loopDelayP99MaxMs: number;
}

/** File descriptors the process holds (sockets, store files, pipes), and how many are sockets. */
function openFiles(pid: number): { openFiles: number; sockets: number } {
  const fds = readdirSync(`/proc/${pid}/fd`);
  let sockets = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // Closed between the listing and the look: not held.
    }
  }
  return { openFiles: fds.length, sockets };
}

/** Generations per block whose lowest reading makes one point of the floor. */
const FLOOR_BLOCK = 10;

/**
 * Least-squares slope of the floor of `points` (in order of `x`): the
 * lowest `y` of each run of `block` points, placed at that run's middle.
 */
export function floorSlope(points: ReadonlyArray<readonly [number, number]>, block: number): number {
  const floor: Array<[number, number]> = [];
  for (let i = 0; i + block <= points.length; i += block) {
    const run = points.slice(i, i + block);
    floor.push([run[Math.floor(block / 2)]![0], Math.min(...run.map(([, y]) => y))]);
  }
  return slope(floor);
}

/** Least-squares slope of `y` over `x`. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

const generationPlans = (generation: number): RoomPlan[] =>
  Array.from({ length: ROOMS_PER_GENERATION }, (_, i) => ({
    // New tables every generation: a table played again would hold its history (Yjs keeps a tombstone per
    // overwritten value), and memory would grow with the documents, hiding whether the server leaks.
    room: roomId(`soak-${generation}-${i}`),
    clients: CLIENTS_PER_ROOM,
    writers: WRITERS_PER_ROOM,
    samples: 1,
  }));

/**
 * Generations of players at `movesPerSecond`: each sits down at 20 tables,
 * plays for 20 s and leaves as the next arrives, so rooms fill, go idle and
 * are evicted, and connections come and go all along. The server is read after every generation.
 */
export async function runSoak(target: TargetProcess, options: SoakOptions): Promise<SoakResult> {
  const started = Date.now();
  const sample = async (): Promise<SoakSample> => ({
    atMs: Date.now() - started,
    stats: await target.stats(),
    ...openFiles(target.pid),
    ...rssParts(target.pid),
    anonymous: anonymousParts(readSmaps(target.pid)),
  });
  const idle = await sample();
  const samples: SoakSample[] = [];
  let moves = 0;
  let lostWeighted = 0;
  let unexpectedCloses = 0;
  let generation = 0;
  let current: RoomFleet | null = null;
  try {
    while (Date.now() - started < options.durationMs) {
      const next = await RoomFleet.open(target, generationPlans(generation));
      // The previous players leave once the next have sat down: the server always has a full house.
      await current?.close();
      current = next;
      const window = await current.runWindow({ ratePerSecond: options.movesPerSecond, durationMs: GENERATION_MS, warmupMs: 0, drainMs: 2_000 });
      moves += window.sent;
      lostWeighted += Number.isNaN(window.loss) ? 0 : window.loss * window.sent;
      unexpectedCloses += window.unexpectedCloses;
      generation++;
      const s = await sample();
      samples.push(s);
      options.log(
        `soak: generation ${generation}, ${Math.round(s.atMs / 1000)} s: RSS ${mb(s.stats.rssKb).toFixed(1)} MB ` +
          `(anonymous ${mb(s.rssAnonKb).toFixed(1)}: glibc main heap ${mb(s.anonymous.brkKb).toFixed(1)}, arenas ${mb(s.anonymous.arenaKb).toFixed(1)}, ` +
          `mapped ${mb(s.anonymous.mappedKb).toFixed(1)} of which V8's pages ${mb(s.stats.v8PhysicalKb).toFixed(1)}; files ${mb(s.rssFileKb).toFixed(1)}), ` +
          `V8 malloc ${mb(s.stats.v8MallocedKb).toFixed(1)}, array buffers ${mb(s.stats.arrayBuffersKb).toFixed(1)}, heap ${mb(s.stats.heapUsedKb).toFixed(1)} MB ` +
          `(committed ${mb(s.stats.heapCommittedKb).toFixed(1)}; RSS before compacting ${mb(s.stats.rssBeforeCompactionKb).toFixed(1)}), ` +
          `${s.stats.storeMemoryKb === undefined ? '' : `LevelDB ${mb(s.stats.storeMemoryKb).toFixed(1)} MB, `}` +
          `${s.stats.rooms ?? '?'} rooms, ${s.openFiles} files (${s.sockets} sockets), loop p99 ${s.stats.eventLoopDelayP99Ms.toFixed(1)} ms, ${window.sent} moves, loss ${(window.loss * 100).toFixed(3)} %`,
      );
    }
  } finally {
    await current?.close();
  }
  await sleep(BENCH_EVICT_AFTER_MS + EVICTION_MARGIN_MS);
  const after = await sample();
  const warm = samples.filter((s) => s.atMs >= options.durationMs * WARMUP_SHARE);
  const hours = (ms: number): number => ms / 3_600_000;
  /** Hours since the start against MB, for the readings after the warm-up. */
  const series = (kbOf: (s: SoakSample) => number): Array<[number, number]> => warm.map((s) => [hours(s.atMs), mb(kbOf(s))]);
  return {
    samples,
    idle,
    after,
    rssSlopeMbPerHour: slope(series((s) => s.stats.rssKb)),
    rssAnonSlopeMbPerHour: slope(series((s) => s.rssAnonKb)),
    rssFileSlopeMbPerHour: slope(series((s) => s.rssFileKb)),
    anonymousSlopesMbPerHour: {
      glibcHeaps: slope(series((s) => s.anonymous.brkKb + s.anonymous.arenaKb)),
      v8Pages: slope(series((s) => s.stats.v8PhysicalKb)),
      otherMappings: slope(series((s) => s.anonymous.mappedKb - s.stats.v8PhysicalKb)),
    },
    rssAnonFloorSlopeMbPerHour: floorSlope(series((s) => s.rssAnonKb), FLOOR_BLOCK),
    heapSlopeMbPerHour: slope(series((s) => s.stats.heapUsedKb)),
    storeMemorySlopeMbPerHour: slope(series((s) => s.stats.storeMemoryKb ?? Number.NaN)),
    heapCommittedSlopeMbPerHour: slope(series((s) => s.stats.heapCommittedKb)),
    rssBeforeCompactionSlopeMbPerHour: slope(series((s) => s.stats.rssBeforeCompactionKb)),
    moves,
    generations: generation,
    loss: moves > 0 ? lostWeighted / moves : Number.NaN,
    unexpectedCloses,
    loopDelayP99MaxMs: Math.max(...samples.map((s) => s.stats.eventLoopDelayP99Ms)),
  };
}

/**
 * The store the soak starts on: `SOAK_PREFILL_ROOMS` earlier rooms (default
 * 30,000 of 40 KB, about 300 tables, three times the store's table cache),
 * as a server that has run for weeks has — on an empty store, every table
 * the run writes would still be filling the cache an hour later, and the
 * RSS of its mapped pages would climb for as long. 0: an empty store.
 */
export function soakPrefill(env: NodeJS.ProcessEnv = process.env): Prefill {
  const raw = env.SOAK_PREFILL_ROOMS;
  const rooms = raw === undefined || raw === '' ? 30_000 : Number(raw);
  if (!Number.isInteger(rooms) || rooms < 0) throw new Error(`SOAK_PREFILL_ROOMS must be a whole number of rooms, got "${raw}"`);
  return { rooms, roomBytes: 40 * 1024 };
}

/** `SOAK_MINUTES` when set; else 30 minutes, or 2 with --quick. */
export function soakDurationMs(quick: boolean, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SOAK_MINUTES;
  if (raw !== undefined && raw !== '') {
    const minutes = Number(raw);
    if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`SOAK_MINUTES must be a positive number of minutes, got "${raw}"`);
    return minutes * 60_000;
  }
  return (quick ? 2 : 30) * 60_000;
}

const metrics: readonly MetricSpec[] = [
  { key: 'rssSlope', label: 'RSS slope after warm-up', unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'rssAnonSlope', label: 'of which anonymous (the process\'s own memory)', unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'rssFileSlope', label: 'of which file-backed (the store\'s mapped tables)', unit: 'MB/hour', better: 'none', digits: 1 },
  { key: 'glibcHeapsSlope', label: 'of anonymous: glibc\'s heaps (main and arenas)', unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'v8PagesSlope', label: 'of anonymous: V8\'s heap pages', unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'otherMappingsSlope', label: 'of anonymous: other mappings (glibc\'s own mmaps, stacks)', unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'rssAnonFloorSlope', label: `anonymous RSS floor slope (lowest of each ${FLOOR_BLOCK} generations)`, unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'heapSlope', label: 'heap slope after warm-up', unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'storeMemorySlope', label: 'LevelDB\'s own memory slope (block cache, memtables)', unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'heapCommittedSlope', label: 'V8 committed heap slope', unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'rssBeforeCompactionSlope', label: 'RSS slope, read before compacting', unit: 'MB/hour', better: 'lower', digits: 1 },
  { key: 'rssEnd', label: 'RSS after the last generation', unit: 'MB', better: 'lower', digits: 1 },
  { key: 'roomsAfter', label: 'rooms held after everyone left', unit: '', better: 'lower', digits: 0 },
  { key: 'socketsGrowth', label: 'sockets held after everyone left − idle', unit: '', better: 'lower', digits: 0 },
  { key: 'filesGrowth', label: 'open files after everyone left − idle', unit: '', better: 'none', digits: 0 },
  { key: 'loopP99', label: 'event-loop delay p99, worst generation', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'moves', label: 'moves sent', unit: '', better: 'none', digits: 0 },
  { key: 'loss', label: 'loss', unit: '%', better: 'lower', digits: 3 },
];

const scenario = (quick: boolean): string =>
  `${Math.round(soakDurationMs(quick) / 60_000)} min at ${Math.round(KNEE_MOVES_PER_SECOND * SOAK_SHARE)} moves/s, ` +
  `${ROOMS_PER_GENERATION} rooms × ${CLIENTS_PER_ROOM} clients a generation, on a store of ${soakPrefill().rooms.toLocaleString('en-US')} earlier rooms`;

export const soak: Workload = {
  name: 'soak',
  title: 'Soak: generations of players at 60 % of the knee — does anything grow?',
  description:
    `Moves at ${Math.round(SOAK_SHARE * 100)} % of the published knee (${KNEE_MOVES_PER_SECOND} moves/s) for 30 minutes (SOAK_MINUTES; 2 with ` +
    `--quick). Every ${GENERATION_MS / 1000} s a new generation of players sits down at ${ROOMS_PER_GENERATION} tables of ${CLIENTS_PER_ROOM} ` +
    `(${WRITERS_PER_ROOM} moving tokens) and the previous one leaves, so rooms go idle and are evicted all along; the tables are new ` +
    'each time (one played again holds its history, and memory would grow with the documents, not from a leak), named by ids of one length as a ' +
    'deployment\'s are. The store starts with 30,000 earlier rooms (SOAK_PREFILL_ROOMS; about 600 MB, three times the table cache), as a server ' +
    'that has run for weeks has. After each generation the target is read after a compacting full GC (RSS, heap, V8\'s ' +
    'committed heap, rooms, event-loop delay p99 since the last reading; RSS also as read before compacting; LevelDB\'s own estimate of its ' +
    'native memory, block cache and memtables, where the target has it), its RSS split into anonymous and file-backed pages, the anonymous part split by who allocated it (glibc\'s main heap and ' +
    'its arenas, V8\'s heap pages as V8 counts them, every other mapping) and its open files counted in /proc. ' +
    `The slopes are least-squares fits over the readings after the first ${WARMUP_SHARE * 100} % of the run; target ≤ 1 MB/hour. The ` +
    'store grows all run (20 new rooms a generation), and LevelDB maps the table files it keeps open: their pages are file-backed RSS, clean and ' +
    'bounded by its table cache ([L10]), which the earlier rooms keep full; a leak shows in the anonymous part — and in its floor, the lowest reading of each ' +
    `${FLOOR_BLOCK} generations, since a reading lands on whatever the allocator still holds of the last generation's buffers. ` +
    'Run only when named (--workload soak).',
  metrics,
  onlyWhenNamed: true,
  scenarios: (quick) => [scenario(quick)],
  async run(spec: TargetSpec, context: RunContext): Promise<Measurement[]> {
    const prefill = soakPrefill();
    const prepareDataDir = async (dataDir: string): Promise<void> => {
      const done = await prefillStore(dataDir, prefill);
      context.log(`soak: store prefilled with ${prefill.rooms} rooms: ${done.tables} tables, ${Math.round(done.bytesOnDisk / 1e6)} MB, ${(done.ms / 1000).toFixed(0)} s`);
    };
    return withTarget(spec, async (target) => {
      const result = await runSoak(target, { durationMs: soakDurationMs(context.quick), movesPerSecond: KNEE_MOVES_PER_SECOND * SOAK_SHARE, log: context.log });
      return [
        {
          target: spec.name,
          scenario: scenario(context.quick),
          metrics: {
            rssSlope: result.rssSlopeMbPerHour,
            rssAnonSlope: result.rssAnonSlopeMbPerHour,
            rssFileSlope: result.rssFileSlopeMbPerHour,
            glibcHeapsSlope: result.anonymousSlopesMbPerHour.glibcHeaps,
            v8PagesSlope: result.anonymousSlopesMbPerHour.v8Pages,
            otherMappingsSlope: result.anonymousSlopesMbPerHour.otherMappings,
            rssAnonFloorSlope: result.rssAnonFloorSlopeMbPerHour,
            heapSlope: result.heapSlopeMbPerHour,
            storeMemorySlope: Number.isNaN(result.storeMemorySlopeMbPerHour) ? null : result.storeMemorySlopeMbPerHour,
            heapCommittedSlope: result.heapCommittedSlopeMbPerHour,
            rssBeforeCompactionSlope: result.rssBeforeCompactionSlopeMbPerHour,
            rssEnd: mb(result.samples[result.samples.length - 1]!.stats.rssKb),
            roomsAfter: result.after.stats.rooms ?? null,
            socketsGrowth: result.after.sockets - result.idle.sockets,
            filesGrowth: result.after.openFiles - result.idle.openFiles,
            loopP99: result.loopDelayP99MaxMs,
            moves: result.moves,
            loss: result.loss * 100,
          },
          ...meterFields(undefined),
          notes: result.unexpectedCloses > 0 ? [`${result.unexpectedCloses} unexpected closes`] : [],
        },
      ];
    }, { evictAfterMs: BENCH_EVICT_AFTER_MS, ...(prefill.rooms > 0 ? { prepareDataDir } : {}) });
  },
};
