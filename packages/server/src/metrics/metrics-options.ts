import type { Registry } from 'prom-client';
import type { ReadinessCheck } from '../health/readiness-check.ts';

export interface MetricsOptions {
  /**
   * Where the server registers its metrics, served at `GET /metrics`. A new
   * registry per server by default — never prom-client's global one: several
   * servers share one process in tests and benchmarks.
   */
  readonly registry?: Registry;
  /** Also serve the process's own metrics (memory, event-loop delay, GC, CPU); default true. */
  readonly processMetrics?: boolean;
  /** Backends whose reachability is probed at each scrape (`dungeonlab_backend_up`), the same checks `/readyz` runs; default the store alone, as `store`. */
  readonly backends?: readonly ReadinessCheck[];
}
