export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles; NaN when there are no samples. */
export function summarize(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const rank = (q: number): number => (n === 0 ? Number.NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!);
  return { count: n, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: n === 0 ? Number.NaN : sorted[n - 1]! };
}
