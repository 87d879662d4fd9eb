import { json } from './http/reply.ts';
import type { Logger } from './logger.ts';
import { notFoundRoute, type Route } from './http/route.ts';

export interface OpsContext {
  readonly ping: () => Promise<void>;
  readonly metrics: () => object;
  readonly logger: Logger;
}

/** `GET /healthz` and `GET /metrics`: no token, for load balancers and monitoring. */
export function opsRoutes(ctx: OpsContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      access: 'public',
      async handle() {
        try {
          await ctx.ping();
          return json(200, { ok: true });
        } catch (err) {
          ctx.logger.warn({ err: String(err) }, 'health check: store unreachable');
          return json(503, { ok: false, error: 'store unreachable' });
        }
      },
    },
    { method: 'GET', path: '/metrics', access: 'public', handle: () => json(200, ctx.metrics()) },
  ];
}

/** Any other path under `/api/`: 404 as JSON, whatever the method, never the web app. */
export const UNKNOWN_API_PATH: Route = notFoundRoute('/api/*', 'public');
