import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

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
  readonly rssKb: number;
  readonly heapUsedKb: number;
  readonly externalKb: number;
  readonly rooms: number | undefined;
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

function stats(server: RunningServer): ServerStats {
  const eventLoopDelayP99Ms = loopDelay.percentile(99) / 1e6;
  loopDelay.reset();
  // Collected on request only, so that the heap figure is what the target retains, not garbage.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const mem = process.memoryUsage();
  return {
    rssKb: Math.round(mem.rss / 1024),
    heapUsedKb: Math.round(mem.heapUsed / 1024),
    externalKb: Math.round(mem.external / 1024),
    rooms: server.rooms(),
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
  commands.on('line', (line) => {
    if (line.trim() === 'stats') process.stdout.write(`${STATS_PREFIX}${JSON.stringify(stats(server))}\n`);
  });
  commands.on('close', () => process.exit(0));
  // An orderly exit on the runner's SIGTERM, so that --cpu-prof and the like get to write their files.
  process.once('SIGTERM', () => process.exit(0));
}
