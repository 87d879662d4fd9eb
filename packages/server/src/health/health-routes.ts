import { json } from '../http/reply.ts';
import type { Route } from '../http/route.ts';
import type { Logger } from '../logger.ts';
import type { ReadinessCheck } from './readiness-check.ts';
import { evaluateReadiness } from './readiness.ts';

/**
 * `GET /healthz` and `GET /readyz`, public, for load balancers and
 * orchestrators ([OPS1], [OPS2] in docs/operations.md). Liveness answers
 * from the event loop alone: a replica whose Redis is down is alive (a
 * restart would not bring Redis back) but not ready.
 */
export function healthRoutes(checks: () => readonly ReadinessCheck[], logger: Logger): Route[] {
  let lastError: string | null = null;
  return [
    { method: 'GET', path: '/healthz', access: 'public', handle: () => json(200, { ok: true }) },
    {
      method: 'GET',
      path: '/readyz',
      access: 'public',
      async handle() {
        const report = await evaluateReadiness(checks());
        // One line when readiness changes, not one per probe.
        const error = report.ready ? null : report.error;
        if (error !== lastError) {
          if (error === null) logger.info({ checks: report.checks }, 'ready again');
          else logger.warn({ checks: report.checks, error }, 'not ready');
          lastError = error;
        }
        // 503: a dependency is unavailable (docs/security.md [RB*]).
        return json(report.ready ? 200 : 503, report);
      },
    },
  ];
}
