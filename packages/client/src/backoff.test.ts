import { seededRandom } from '@dungeon-lab/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffCeiling, backoffDelay, resolveBackoff, type RandomSource } from './backoff.ts';

/** Repeatable distribution tests. */
const seeded = (seed: number): RandomSource => seededRandom(seed);

const options = resolveBackoff({ initialDelayMs: 100, maxDelayMs: 5000, multiplier: 2, jitter: 1 });

describe('backoffDelay', () => {
  it('stays within (0, ceiling] at the extremes of the random source', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = backoffCeiling(attempt, options);
      expect(backoffDelay(attempt, options, () => 0)).toBe(ceiling);
      const low = backoffDelay(attempt, options, () => 0.999999);
      expect(low).toBeGreaterThan(0);
      expect(low).toBeLessThan(ceiling * 0.001);
      // A misbehaving source is clamped rather than producing a negative delay.
      expect(backoffDelay(attempt, options, () => 1.5)).toBe(0);
    }
  });

  it('grows exponentially and is capped', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => backoffCeiling(attempt, options));
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    // Growth shows in the drawn delays too, not only in the ceiling.
    const random = seeded(1);
    const mean = (attempt: number) => {
      let sum = 0;
      for (let i = 0; i < 2000; i++) sum += backoffDelay(attempt, options, random);
      return sum / 2000;
    };
    const means = [1, 2, 3, 4].map(mean);
    for (let i = 1; i < means.length; i++) expect(means[i]! / means[i - 1]!).toBeGreaterThan(1.8);
    expect(mean(30)).toBeLessThanOrEqual(5000);
  });

  it('spreads a thousand clients over the whole window instead of lockstep', () => {
    const random = seeded(42);
    const attempt = 3;
    const ceiling = backoffCeiling(attempt, options);
    const delays = Array.from({ length: 1000 }, () => backoffDelay(attempt, options, random));
    expect(Math.min(...delays)).toBeLessThan(ceiling * 0.05);
    expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.95);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(ceiling * 0.45);
    expect(mean).toBeLessThan(ceiling * 0.55);
    // Uniform: each tenth of the window gets roughly a tenth of the clients.
    const buckets = new Array<number>(10).fill(0);
    for (const delay of delays) buckets[Math.min(9, Math.floor((delay / ceiling) * 10))]!++;
    for (const count of buckets) {
      expect(count).toBeGreaterThan(60);
      expect(count).toBeLessThan(140);
    }
  });

  it('keeps the lower part of the window free with partial jitter', () => {
    const half = resolveBackoff({ ...options, jitter: 0.5 });
    const random = seeded(7);
    const delays = Array.from({ length: 1000 }, () => backoffDelay(2, half, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...delays)).toBeLessThanOrEqual(200);
    expect(new Set(delays).size).toBeGreaterThan(990);
  });

  it('is deterministic without jitter', () => {
    const none = resolveBackoff({ ...options, jitter: 0 });
    expect(backoffDelay(3, none, seeded(3))).toBe(400);
  });
});

describe('resolveBackoff', () => {
  it('fills defaults and rejects nonsense', () => {
    expect(resolveBackoff()).toEqual(DEFAULT_BACKOFF);
    expect(() => resolveBackoff({ jitter: 2 })).toThrow(RangeError);
    expect(() => resolveBackoff({ initialDelayMs: 0 })).toThrow(RangeError);
    expect(() => resolveBackoff({ initialDelayMs: 100, maxDelayMs: 50 })).toThrow(RangeError);
    expect(() => resolveBackoff({ multiplier: 0.5 })).toThrow(RangeError);
  });
});
