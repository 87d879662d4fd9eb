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
  /** Rooms held in memory, where the target exposes it. */
  rooms(): number | undefined;
}

export interface ServerStats {
  readonly rssKb: number;
  readonly heapUsedKb: number;
  readonly externalKb: number;
  readonly rooms: number | undefined;
}

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
  };
}

export async function serve(start: (args: ServerArgs) => Promise<RunningServer>): Promise<void> {
  const server = await start(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ port: server.port, pid: process.pid })}\n`);
  const commands = createInterface({ input: process.stdin });
  commands.on('line', (line) => {
    if (line.trim() === 'stats') process.stdout.write(`${STATS_PREFIX}${JSON.stringify(stats(server))}\n`);
  });
  commands.on('close', () => process.exit(0));
}
