import { notFoundRoute, type Route } from './http/route.ts';

/** Any other path under `/api/`: 404 as JSON, whatever the method, never the web app. */
export const UNKNOWN_API_PATH: Route = notFoundRoute('/api/*', 'public');
