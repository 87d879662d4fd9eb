import type { Registry } from 'prom-client';
import { json, text } from '../http/reply.ts';
import type { Route } from '../http/route.ts';

export const METRICS_PATH = '/metrics';
/** The JSON summary served at `/metrics` before it became Prometheus's; tests and the memory benchmark read it. */
export const METRICS_JSON_PATH = '/metrics.json';

/** `GET /metrics` (Prometheus text format) and `GET /metrics.json`: no token, like `/healthz`, for monitoring. */
export function metricsRoutes(registry: Registry, summary: () => object): Route[] {
  return [
    {
      method: 'GET',
      path: METRICS_PATH,
      access: 'public',
      handle: async () => text(200, await registry.metrics(), registry.contentType),
    },
    { method: 'GET', path: METRICS_JSON_PATH, access: 'public', handle: () => json(200, summary()) },
  ];
}
