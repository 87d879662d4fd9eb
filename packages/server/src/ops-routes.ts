import { json } from './http/reply.ts';
import type { Logger } from './logger.ts';
import { notFoundRoute, type Route } from './http/route.ts';

export interface OpsContext {
  readonly ping: () => Promise<void>;
  readonly logger: Logger;
}

/** `GET /healthz`: no token, for load balancers. */
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
  ];
}

/** Any other path under `/api/`: 404 as JSON, whatever the method, never the web app. */
export const UNKNOWN_API_PATH: Route = notFoundRoute('/api/*', 'public');
