export interface MemoryReclaimOptions {
  /**
   * Collect once the process's array buffers have grown by this many bytes
   * since the last collection (and by a quarter of the live heap, so a large
   * heap — whose full collection pauses longer — is left to V8's own schedule).
   */
  readonly afterBytes: number;
  /** How often the growth is sampled. */
  readonly checkMs: number;
  /** Event-loop utilization over the last check above which collecting waits: players come first. */
  readonly maxUtilization: number;
  /** Fewest milliseconds between two collections. */
  readonly minIntervalMs: number;
}

export const DEFAULT_MEMORY_RECLAIM: MemoryReclaimOptions = {
  afterBytes: 32 * 1024 * 1024,
  checkMs: 250,
  maxUtilization: 0.5,
  minIntervalMs: 2_000,
};

/** Growth between two samples still counted as settled: sockets' small buffers come and go. */
const SETTLED_SLACK_BYTES = 1024 * 1024;

export interface MemorySample {
  /** Bytes of every ArrayBuffer V8 still tracks, garbage included. */
  readonly arrayBuffers: number;
  readonly heapUsed: number;
  /** Event-loop utilization since the previous sample, 0..1. */
  readonly utilization: number;
}

/**
 * Decides when a forced full collection is worth its pause. V8 collects dead
 * ArrayBuffers only with a full collection, which it starts for their sake
 * once 64 MB more of them exist than after the last one; an idle server that
 * just took a 10 MB document (its frames, the stored edits, a snapshot) may
 * never reach that and keeps 50 MB of dead buffers for good.
 *
 * Growth is measured from the level the last collection left. Buffers still
 * alive at a collection (a push half-stored, a snapshot being written) may die
 * right after it, so a collection that leaves the level high is tried once
 * more before that level is taken as live.
 */
export class ReclaimPolicy {
  private readonly opts: MemoryReclaimOptions;
  /** Level of live buffers: what the last conclusive collection left. */
  private baseline: number | undefined;
  private lastCollectAt = -Infinity;
  private previous = 0;
  /** A collection ran since the last sample: the next one shows what it left. */
  private awaitingResult = false;
  /** The last collection left the level high; one more may show it was transient. */
  private retrying = false;

  constructor(opts: MemoryReclaimOptions) {
    this.opts = opts;
  }

  private threshold(sample: MemorySample): number {
    return Math.max(this.opts.afterBytes, sample.heapUsed / 4);
  }

  /** Whether to collect now; the caller then collects and calls `collected`. */
  shouldCollect(now: number, sample: MemorySample): boolean {
    const previous = this.previous;
    this.previous = sample.arrayBuffers;
    // A collection V8 made on its own lowers the level.
    if (this.baseline === undefined || sample.arrayBuffers < this.baseline) {
      this.baseline = sample.arrayBuffers;
      this.retrying = false;
    }
    if (this.awaitingResult) {
      this.awaitingResult = false;
      const high = sample.arrayBuffers - this.baseline >= this.threshold(sample);
      if (!high || this.retrying) {
        this.baseline = sample.arrayBuffers;
        this.retrying = false;
      } else {
        this.retrying = true;
      }
      return false;
    }
    if (sample.arrayBuffers - this.baseline < this.threshold(sample)) return false;
    // Still allocating (a push or a load under way): one collection after it beats several during it.
    if (sample.arrayBuffers > previous + SETTLED_SLACK_BYTES) return false;
    if (sample.utilization > this.opts.maxUtilization) return false;
    return now - this.lastCollectAt >= this.opts.minIntervalMs;
  }

  /** Freed buffers are released by a background sweep, so the next sample shows what the collection left. */
  collected(now: number): void {
    this.lastCollectAt = now;
    this.awaitingResult = true;
  }
}
