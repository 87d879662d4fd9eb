/**
 * Histogram buckets in seconds for every latency the server measures: from
 * 100 µs, fine around the 5 ms fan-out budget (docs/performance.md), with
 * 0.5 s — the seed's sync-latency alert — a bucket boundary of its own.
 */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
