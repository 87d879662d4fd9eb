import { describe, expect, it } from 'vitest';
import { type MemoryReclaimOptions, ReclaimPolicy } from './reclaim-policy.ts';

const MB = 1024 * 1024;
const OPTS: MemoryReclaimOptions = { afterBytes: 32 * MB, checkMs: 250, maxUtilization: 0.5, minIntervalMs: 2_000 };

/** Feeds samples 250 ms apart; returns the times at which the policy collected. */
function run(policy: ReclaimPolicy, levels: readonly number[], extra: { heapUsed?: number; utilization?: number[] } = {}): number[] {
  const collectedAt: number[] = [];
  levels.forEach((level, i) => {
    const now = i * 250;
    const sample = { arrayBuffers: level * MB, heapUsed: extra.heapUsed ?? 20 * MB, utilization: extra.utilization?.[i] ?? 0.05 };
    if (policy.shouldCollect(now, sample)) {
      collectedAt.push(now);
      policy.collected(now);
    }
  });
  return collectedAt;
}

describe('ReclaimPolicy', () => {
  it('collects once dead buffers have grown past the limit and stopped growing, then takes the new level', () => {
    const policy = new ReclaimPolicy(OPTS);
    // Start at 1 MB; a push grows them to 45 MB; collecting brings them back to 2 MB.
    expect(run(policy, [1, 10, 25, 40, 45, 45, 2, 2, 2])).toEqual([1_250]);
  });

  it('leaves growth under the limit to V8', () => {
    expect(run(new ReclaimPolicy(OPTS), [1, 20, 30, 32.5, 32.5, 32.5])).toEqual([]);
  });

  it('waits while buffers are still growing', () => {
    expect(run(new ReclaimPolicy(OPTS), [1, 35, 40, 50, 60, 60])).toEqual([1_250]);
  });

  it('waits while the event loop is busy with players', () => {
    const busy = [0.1, 0.9, 0.9, 0.9, 0.2];
    expect(run(new ReclaimPolicy(OPTS), [1, 40, 40, 40, 40], { utilization: busy })).toEqual([1_000]);
  });

  it('leaves a large heap, whose full collection pauses longer, to V8 until a quarter of it is dead buffers', () => {
    const heapUsed = 400 * MB;
    expect(run(new ReclaimPolicy(OPTS), [1, 60, 60, 60], { heapUsed })).toEqual([]);
    expect(run(new ReclaimPolicy(OPTS), [1, 102, 102], { heapUsed })).toEqual([500]);
  });

  it('counts from the level a collection of V8 left', () => {
    // V8 collected on its own at 30 MB of growth: growth restarts from 5 MB.
    expect(run(new ReclaimPolicy(OPTS), [1, 30, 5, 30, 30, 38, 38])).toEqual([1_500]);
  });

  it('tries once more when buffers alive at a collection died after it, then accepts a level that stays', () => {
    const policy = new ReclaimPolicy(OPTS);
    // Collected at 40 MB while a 36 MB snapshot was still being written: the level stays high.
    // The retry waits for the minimum interval; after it the level drops, and that is the new baseline.
    const levels = [1, 40, 40, 38, 38, 38, 38, 38, 38, 38, 38, 3, 3, 3, 3, 3, 3, 3, 3, 3];
    expect(run(policy, levels)).toEqual([500, 2_500]);
    // Buffers that are alive (a second retry leaves them) become the baseline: no collection after collection.
    const live = new ReclaimPolicy(OPTS);
    const stays = [1, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40];
    expect(run(live, stays)).toEqual([500, 2_500]);
  });

  it('keeps the minimum interval between collections', () => {
    const levels = [1, 40, 40, 2, 40, 40, 40, 40, 40, 40, 40, 40];
    const at = run(new ReclaimPolicy(OPTS), levels);
    expect(at[0]).toBe(500);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(2_000);
  });
});
