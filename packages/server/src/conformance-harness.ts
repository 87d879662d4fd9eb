/**
 * What the conformance suites of the injected parts share: each test opens
 * a few "processes" of the backend on a fresh medium, closed after it.
 */
import { afterEach } from 'vitest';

/** Several processes' ends of one backend (buses, leases), on one fresh medium. */
export interface Cluster<T> {
  readonly processes: readonly T[];
  /** Closes every process's end and whatever the medium holds. */
  close(): Promise<void>;
}

/** Inside a `describe`: `open(n)` connects a cluster of n processes, closed after the test. */
export function clusterPerTest<T>(connect: (processes: number) => Promise<Cluster<T>>): (processes: number) => Promise<readonly T[]> {
  let cluster: Cluster<T> | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });
  return async (processes) => {
    cluster = await connect(processes);
    return cluster.processes;
  };
}

/** Waits until `predicate` holds: deliveries between processes take a moment on a real medium. */
export async function eventually(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
