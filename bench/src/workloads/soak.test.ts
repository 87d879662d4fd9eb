/**
 * The soak in CI (issue: reliability, "soak"): two minutes (SOAK_MINUTES) of
 * generations of players on the `npm start` server, then everyone leaves.
 * What a leak would break is asserted — rooms and sockets come back to idle,
 * the heap stops growing, nothing is lost; the RSS slope needs the 30-minute
 * run (`--workload soak`) to mean anything and is only reported here.
 */
import { describe, expect, it } from 'vitest';
import { TARGETS } from '../targets/registry.ts';
import { KNEE_MOVES_PER_SECOND, floorSlope, runSoak, slope, soakDurationMs } from './soak.ts';
import { mb, withTarget } from './with-target.ts';

describe('soak', () => {
  it('least squares: the slope of a line, NaN for fewer than two points', () => {
    expect(slope([[0, 1], [1, 3], [2, 5]])).toBeCloseTo(2);
    expect(slope([[0, 4], [1, 4]])).toBe(0);
    expect(slope([[0, 1]])).toBeNaN();
  });

  it('the floor: spikes above a flat floor leave its slope at 0, a rising floor shows', () => {
    const spiky = Array.from({ length: 40 }, (_, i) => [i, 100 + (i % 5 === 2 ? 30 + i : 0)] as const);
    expect(slope(spiky)).toBeGreaterThan(0.15);
    expect(floorSlope(spiky, 10)).toBe(0);
    const rising = Array.from({ length: 40 }, (_, i) => [i, 100 + i * 0.5 + (i % 5 === 2 ? 30 : 0)] as const);
    expect(floorSlope(rising, 10)).toBeCloseTo(0.5);
    expect(floorSlope(rising.slice(0, 9), 10)).toBeNaN();
  });

  it('generations of players at 60 % of the knee: rooms and sockets back to idle after they leave, the heap flat, nothing lost', async () => {
    const durationMs = soakDurationMs(true);
    const result = await withTarget(TARGETS.ours, (target) =>
      runSoak(target, { durationMs, movesPerSecond: KNEE_MOVES_PER_SECOND * 0.6, log: (line) => console.log(line) }),
    );
    const heaps = result.samples.map((s) => mb(s.stats.heapUsedKb));
    console.log(
      `soak: ${result.generations} generations, ${result.moves} moves; heap ${heaps.map((h) => h.toFixed(1)).join(' → ')} MB; ` +
        `idle → after everyone left: heap ${mb(result.idle.stats.heapUsedKb).toFixed(1)} → ${mb(result.after.stats.heapUsedKb).toFixed(1)} MB, ` +
        `sockets ${result.idle.sockets} → ${result.after.sockets}; RSS slope ${result.rssSlopeMbPerHour.toFixed(0)} MB/hour, anonymous ${result.rssAnonSlopeMbPerHour.toFixed(0)} (too short a run to mean much)`,
    );
    expect(result.generations).toBeGreaterThanOrEqual(3);
    expect(result.loss).toBe(0);
    expect(result.unexpectedCloses).toBe(0);
    // Everyone gone and the eviction delay passed: no room, no client socket left behind.
    expect(result.after.stats.rooms).toBe(0);
    expect(result.after.sockets).toBeLessThanOrEqual(result.idle.sockets);
    // Each generation leaves the heap where the one before did: a leak of even 10 KB per client or 100 bytes per move would add megabytes.
    const settled = heaps.slice(1);
    expect(Math.max(...settled) - Math.min(...settled)).toBeLessThan(8);
  }, soakDurationMs(true) + 120_000);
});
