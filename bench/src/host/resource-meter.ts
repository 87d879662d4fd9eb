import { performance } from 'node:perf_hooks';
import { LOADGEN_CPU, SERVER_CPU, pinLoadGenerator } from './affinity.ts';
import { cpuBusyMs, processCpuMs, processRssKb } from './proc-stats.ts';

/** Above this share of one core the load generator, not the target, may be what limits a run. */
export const UNRELIABLE_LOADGEN_CPU = 0.8;
/** Windows shorter than this say little about CPU shares, so they are never flagged. */
const MIN_FLAGGED_WINDOW_MS = 250;
/** Above this share of a pinned core used by other processes, a window is marked contended. */
export const CONTENDED_FOREIGN_CPU = 0.1;

const RSS_SAMPLE_MS = 100;

export interface MeterReading {
  readonly wallMs: number;
  /** Summed over the target's processes. */
  readonly serverCpuMs: number;
  /** CPU of the services the target's processes share (redis-server, the store), summed; 0 when there are none. */
  readonly serviceCpuMs: number;
  /** The same per service, by the name the deployment gave it (`redis`, `store`). */
  readonly serviceCpuMsByName: Readonly<Record<string, number>>;
  readonly serverRssPeakKb: number;
  readonly serverRssEndKb: number;
  readonly loadgenCpuMs: number;
  /** Load generator CPU time as a share of one core over the window. */
  readonly loadgenCpuShare: number;
  readonly unreliable: boolean;
  /**
   * Share of each pinned core used by processes other than the target and the
   * load generator (other test runs on the machine); NaN when unpinned.
   */
  readonly foreignLoad: { readonly serverCore: number; readonly loadgenCore: number };
}

const sumOver = (pids: readonly number[], read: (pid: number) => number | undefined): number =>
  pids.reduce((total, pid) => total + (read(pid) ?? Number.NaN), 0);

/**
 * Measures one window: target CPU from /proc/<pid>/stat, target RSS sampled
 * for its peak, and this process's own CPU to tell whether the load
 * generator kept up. A target of several processes is measured as their sum
 * (RSS: the peak of the summed samples); the services they share are
 * metered apart and are not counted as other processes on the server core.
 */
export class ResourceMeter {
  private readonly startWall = performance.now();
  private readonly pids: readonly number[];
  private readonly startServerCpu: number;
  private readonly startServiceCpu: number[];
  private readonly startLoadgen = process.cpuUsage();
  private readonly pinned = pinLoadGenerator().pinned;
  private readonly startServerCore = cpuBusyMs(SERVER_CPU) ?? Number.NaN;
  private readonly startLoadgenCore = cpuBusyMs(LOADGEN_CPU) ?? Number.NaN;
  private rssPeakKb = 0;
  private readonly sampler: NodeJS.Timeout;

  constructor(
    pid: number | readonly number[],
    private readonly services: ReadonlyArray<{ readonly name: string; readonly pid: number }> = [],
  ) {
    this.pids = typeof pid === 'number' ? [pid] : pid;
    this.startServerCpu = sumOver(this.pids, processCpuMs);
    this.startServiceCpu = services.map((service) => processCpuMs(service.pid) ?? Number.NaN);
    this.sampleRss();
    this.sampler = setInterval(() => this.sampleRss(), RSS_SAMPLE_MS);
  }

  private sampleRss(): number {
    const rss = this.pids.reduce((total, pid) => total + (processRssKb(pid) ?? 0), 0);
    if (rss > this.rssPeakKb) this.rssPeakKb = rss;
    return rss;
  }

  stop(): MeterReading {
    clearInterval(this.sampler);
    const wallMs = performance.now() - this.startWall;
    const serverRssEndKb = this.sampleRss();
    const loadgen = process.cpuUsage(this.startLoadgen);
    const loadgenCpuMs = (loadgen.user + loadgen.system) / 1000;
    const loadgenCpuShare = wallMs > 0 ? loadgenCpuMs / wallMs : 0;
    const serverCpuMs = sumOver(this.pids, processCpuMs) - this.startServerCpu;
    const serviceCpuMsByName = Object.fromEntries(
      this.services.map((service, i) => [service.name, (processCpuMs(service.pid) ?? Number.NaN) - this.startServiceCpu[i]!]),
    );
    const serviceCpuMs = Object.values(serviceCpuMsByName).reduce((total, ms) => total + ms, 0);
    const foreign = (busyNow: number | undefined, busyBefore: number, own: number): number =>
      this.pinned && wallMs >= MIN_FLAGGED_WINDOW_MS ? Math.max(0, ((busyNow ?? Number.NaN) - busyBefore - own) / wallMs) : Number.NaN;
    return {
      wallMs,
      serverCpuMs,
      serviceCpuMs,
      serviceCpuMsByName,
      serverRssPeakKb: this.rssPeakKb,
      serverRssEndKb,
      loadgenCpuMs,
      loadgenCpuShare,
      unreliable: wallMs >= MIN_FLAGGED_WINDOW_MS && loadgenCpuShare > UNRELIABLE_LOADGEN_CPU,
      foreignLoad: {
        serverCore: foreign(cpuBusyMs(SERVER_CPU), this.startServerCore, serverCpuMs + serviceCpuMs),
        loadgenCore: foreign(cpuBusyMs(LOADGEN_CPU), this.startLoadgenCore, loadgenCpuMs),
      },
    };
  }
}
