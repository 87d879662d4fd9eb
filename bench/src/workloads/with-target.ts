import { Deployment, type DeploymentPlan } from '../targets/deployment.ts';
import type { TargetSpec } from '../targets/registry.ts';
import { type TargetOptions, TargetProcess } from '../targets/target-process.ts';

/** Idle-room eviction delay given to targets that have one, short so that eviction is observable in a run. */
export const BENCH_EVICT_AFTER_MS = 2_000;

/** Runs `body` on what `start` started, always stops it afterwards, and adds its stderr to a failure. */
async function withStarted<S extends { stop(): Promise<void>; stderrTail(): string }, T>(
  name: string,
  start: () => Promise<S>,
  body: (started: S) => Promise<T>,
): Promise<T> {
  const started = await start();
  try {
    return await body(started);
  } catch (error) {
    const tail = started.stderrTail();
    if (tail) (error as Error).message += `\n--- ${name} stderr ---\n${tail}`;
    throw error;
  } finally {
    await started.stop();
  }
}

/** Runs `body` against a freshly started target and always stops it afterwards. */
export function withTarget<T>(
  spec: TargetSpec,
  body: (target: TargetProcess) => Promise<T>,
  options: TargetOptions = { evictAfterMs: BENCH_EVICT_AFTER_MS },
): Promise<T> {
  return withStarted(spec.name, () => TargetProcess.start(spec, options), body);
}

/** The same for a freshly started deployment of several processes and the services they share. */
export function withDeployment<T>(spec: TargetSpec, plan: DeploymentPlan, body: (deployment: Deployment) => Promise<T>): Promise<T> {
  return withStarted(spec.name, () => Deployment.start(spec, plan, { evictAfterMs: BENCH_EVICT_AFTER_MS }), body);
}

export const mb = (kb: number): number => kb / 1024;
