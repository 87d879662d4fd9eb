import type { TargetSpec } from '../targets/registry.ts';
import { type TargetOptions, TargetProcess } from '../targets/target-process.ts';

/** Idle-room eviction delay given to targets that have one, short so that eviction is observable in a run. */
export const BENCH_EVICT_AFTER_MS = 2_000;

/** Runs `body` against a freshly started target and always stops it afterwards. */
export async function withTarget<T>(
  spec: TargetSpec,
  body: (target: TargetProcess) => Promise<T>,
  options: TargetOptions = { evictAfterMs: BENCH_EVICT_AFTER_MS },
): Promise<T> {
  const target = await TargetProcess.start(spec, options);
  try {
    return await body(target);
  } catch (error) {
    const tail = target.stderrTail();
    if (tail) (error as Error).message += `\n--- ${spec.name} stderr ---\n${tail}`;
    throw error;
  } finally {
    await target.stop();
  }
}

export const mb = (kb: number): number => kb / 1024;
