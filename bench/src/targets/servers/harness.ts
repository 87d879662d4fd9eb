import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';

/*
 * Runs inside a target's own process. The parent reads two kinds of lines
 * from stdout (anything else a server prints is ignored) and writes commands
 * to stdin; when stdin closes the parent has gone, so the target exits rather
 * than outliving the run.
 */
export const READY_PREFIX = 'BENCH_READY ';
export const STATS_PREFIX = 'BENCH_STATS ';

export interface ServerArgs {
  readonly host: string;
  /** 0 lets the OS choose; a restart passes the previous port. */
  readonly port: number;
  readonly dataDir: string | undefined;
  readonly evictAfterMs: number | undefined;
}

export interface RunningServer {
  readonly port: number;
  /** A token clients must present at the upgrade, for targets that authenticate. */
  readonly token?: string;
  /**
   * performance.now() when the target started listening, if it did more
   * (fetching its token) before it could say it is ready.
   */
  readonly listeningSince?: number;
  /** Rooms held in memory, where the target exposes it. */
  rooms(): number | undefined;
  /** Native memory its store says it holds (LevelDB's block cache and memtables), where it has one. */
  storeMemoryBytes?(): number;
}

/** What a target prints once it accepts connections. */
export interface ReadyLine {
  readonly port: number;
  readonly pid: number;
  readonly token?: string;
  /** How long the target had been listening when it printed this line (a restart's time excludes it). */
  readonly listeningForMs?: number;
}

export interface ServerStats {
  /** After a compacting collection, once V8 has handed the pages it freed back (see `collect`). */
  readonly rssKb: number;
  readonly heapUsedKb: number;
  /** V8's committed heap after the compacting collection: what its pages hold, used or not. */
  readonly heapCommittedKb: number;
  /**
   * RSS after two ordinary full collections, before compacting: what this
   * figure was before 2026-12-06. It also counts the free space V8 leaves
   * between live objects on pages it keeps, which moves by several MB from
   * one reading to the next with when its last collection happened.
   */
  readonly rssBeforeCompactionKb: number;
  readonly externalKb: number;
  /** Of `externalKb`, the backing stores of ArrayBuffers and Buffers. */
  readonly arrayBuffersKb: number;
  /** What V8's heap pages hold resident, every space summed (`v8.getHeapSpaceStatistics`), after the compaction. */
  readonly v8PhysicalKb: number;
  /** What V8 itself holds from malloc, outside its heap pages (`v8.getHeapStatistics().malloced_memory`). */
  readonly v8MallocedKb: number;
  readonly rooms: number | undefined;
  /** What the store says it holds in native memory (`RunningServer.storeMemoryBytes`), kB. */
  readonly storeMemoryKb: number | undefined;
  /** The event loop's delay since the previous `stats` (or the start), 99th percentile, ms. */
  readonly eventLoopDelayP99Ms: number;
}

/** Watches the loop from the start; each `stats` reads and restarts it, so a figure covers the time since the last one. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function parseArgs(argv: readonly string[]): ServerArgs {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const evict = value('evict-ms');
  return {
    host: value('host') ?? '127.0.0.1',
    port: Number(value('port') ?? 0),
    dataDir: value('data-dir'),
    evictAfterMs: evict === undefined ? undefined : Number(evict),
  };
}

/** How long V8's background unmapper is given to return the pages a collection freed (in a probe, 1 s was enough for 300 MB). */
const UNMAP_SETTLE_MS = 1_000;

/**
 * Collects on request only, so that the figures are what the target retains,
 * not garbage: two ordinary full collections, then one that compacts every
 * page. Without the compaction, RSS also counts the free space V8 leaves
 * between live objects, which depends on when its last collection ran: in a
 * 12-minute soak, old-space pages moved between 55 and 63 MB over a steady
 * 49 MB of objects, and that noise hid any trend under a few MB an hour.
 * Returns RSS as it was before compacting.
 */
function collect(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return process.memoryUsage().rss;
  gc();
  gc();
  const rssBeforeCompaction = process.memoryUsage().rss;
  // The flag is read by the collector at each full collection; it is set for this one only.
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  return rssBeforeCompaction;
}

async function stats(server: RunningServer): Promise<ServerStats> {
  const eventLoopDelayP99Ms = loopDelay.percentile(99) / 1e6;
  loopDelay.reset();
  const rssBeforeCompactionKb = Math.round(collect() / 1024);
  const heap = process.memoryUsage();
  // Freed pages go back to the system from V8's background threads, a little after the collection.
  await sleep(UNMAP_SETTLE_MS);
  return {
    rssKb: Math.round(process.memoryUsage().rss / 1024),
    heapUsedKb: Math.round(heap.heapUsed / 1024),
    heapCommittedKb: Math.round(heap.heapTotal / 1024),
    rssBeforeCompactionKb,
    externalKb: Math.round(heap.external / 1024),
    arrayBuffersKb: Math.round(heap.arrayBuffers / 1024),
    v8PhysicalKb: Math.round(getHeapSpaceStatistics().reduce((sum, space) => sum + space.physical_space_size, 0) / 1024),
    v8MallocedKb: Math.round(getHeapStatistics().malloced_memory / 1024),
    rooms: server.rooms(),
    storeMemoryKb: server.storeMemoryBytes === undefined ? undefined : Math.round(server.storeMemoryBytes() / 1024),
    eventLoopDelayP99Ms,
  };
}

export async function serve(start: (args: ServerArgs) => Promise<RunningServer>): Promise<void> {
  const server = await start(parseArgs(process.argv.slice(2)));
  const ready: ReadyLine = {
    port: server.port,
    pid: process.pid,
    ...(server.token === undefined ? {} : { token: server.token }),
    ...(server.listeningSince === undefined ? {} : { listeningForMs: performance.now() - server.listeningSince }),
  };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(ready)}\n`);
  const commands = createInterface({ input: process.stdin });
  // One reading at a time, so that replies come back in the order they were asked for.
  let reading = Promise.resolve();
  commands.on('line', (line) => {
    if (line.trim() !== 'stats') return;
    reading = reading
      .then(async () => {
        process.stdout.write(`${STATS_PREFIX}${JSON.stringify(await stats(server))}\n`);
      })
      // The runner times the reading out and says so; the next one still gets its turn.
      .catch((err: unknown) => console.error('stats failed', err));
  });
  commands.on('close', () => process.exit(0));
  // An orderly exit on the runner's SIGTERM, so that --cpu-prof and the like get to write their files.
  process.once('SIGTERM', () => process.exit(0));
}
