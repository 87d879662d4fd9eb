import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from '../logger.ts';
import { guarded } from '../boundary.ts';
import { DEFAULT_MEMORY_RECLAIM, type MemoryReclaimOptions, type MemorySample, ReclaimPolicy } from './reclaim-policy.ts';

type Collect = () => void;

/**
 * V8's collector, whether or not node was started with --expose-gc. The flag
 * is set only for the one context created to fetch the function and then
 * cleared, so no other code sees a global `gc`.
 */
function fullCollection(): Collect {
  const exposed = (globalThis as { gc?: Collect }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  try {
    return vm.runInNewContext('gc') as Collect;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

export interface MemoryReclaimer {
  stop(): void;
}

/**
 * Returns the memory of dead large buffers to the system soon after the work
 * that made them (a big document's edits, snapshots and frames), when the
 * event loop is not busy with players (docs/performance.md, big document).
 * One per process: it watches the whole process, not one server.
 */
export function startMemoryReclaimer(logger: Logger, options: Partial<MemoryReclaimOptions> = {}): MemoryReclaimer {
  const opts = { ...DEFAULT_MEMORY_RECLAIM, ...options };
  const policy = new ReclaimPolicy(opts);
  const collect = fullCollection();
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  const sample = (): MemorySample => {
    const next = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(next, elu).utilization;
    elu = next;
    return { arrayBuffers: process.memoryUsage().arrayBuffers, heapUsed: v8.getHeapStatistics().used_heap_size, utilization };
  };
  // The level at start is the first baseline: work that begins before the first tick is growth.
  policy.shouldCollect(performance.now(), sample());
  const timer = setInterval(guarded(logger, 'memory reclaim failed', () => {
    const now = performance.now();
    const current = sample();
    if (!policy.shouldCollect(now, current)) return;
    collect();
    policy.collected(performance.now());
    logger.debug({ arrayBuffersBefore: current.arrayBuffers, pauseMs: Math.round(performance.now() - now) }, 'reclaimed dead buffers');
  }), opts.checkMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
