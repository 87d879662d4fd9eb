import type { ReadinessCheck } from './readiness-check.ts';

/** How long one check may take before it counts as failed: a hung dependency must not hang the probe. */
export const CHECK_TIMEOUT_MS = 2000;

/** `/readyz`'s body ([OPS2]): each check `ok` or why not, and the first failure as `error`. */
export type ReadinessReport =
  | { readonly ready: true; readonly checks: Readonly<Record<string, string>> }
  | { readonly ready: false; readonly checks: Readonly<Record<string, string>>; readonly error: string };

/** `ok` when the check answers within `timeoutMs`, else why not. */
export function withinTimeout(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  const probed = Promise.resolve()
    .then(() => check.probe())
    .then(
      () => 'ok',
      (err: unknown) => (err instanceof Error ? err.message : String(err)) || 'failed',
    );
  return Promise.race([probed, timedOut]).finally(() => clearTimeout(timer));
}

/** Runs every check at once; ready only when each answers `ok`. */
export async function evaluateReadiness(checks: readonly ReadinessCheck[], timeoutMs = CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map(async (c) => [c.name, await withinTimeout(c, timeoutMs)] as const));
  const failed = results.find(([, result]) => result !== 'ok');
  const report = Object.fromEntries(results);
  return failed === undefined ? { ready: true, checks: report } : { ready: false, checks: report, error: `${failed[0]}: ${failed[1]}` };
}
