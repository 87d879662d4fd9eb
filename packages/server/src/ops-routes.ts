import { json } from './http/reply.ts';
import { notFoundRoute, type Route } from './http/route.ts';

export interface OpsContext {
  readonly metrics: () => object;
}

/** `GET /metrics`: no token, for monitoring (health is in health/health-routes.ts). */
export function opsRoutes(ctx: OpsContext): Route[] {
  return [
    { method: 'GET', path: '/metrics', access: 'public', handle: () => json(200, ctx.metrics()) },
  ];
}

/** Any other path under `/api/`: 404 as JSON, whatever the method, never the web app. */
export const UNKNOWN_API_PATH: Route = notFoundRoute('/api/*', 'public');
