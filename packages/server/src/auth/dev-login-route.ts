import { HttpError } from '../http/http-error.ts';
import { json } from '../http/reply.ts';
import type { Route } from '../http/route.ts';
import type { Authenticator } from './authenticator.ts';
import { normalizeDevName } from './dev-tokens.ts';

export const DEV_LOGIN_PATH = '/api/dev/login';

/**
 * `POST /api/dev/login {"name"}` → `{ token, userId, name, expiresAt }`, in
 * development mode only ([API8]); a production server has no such route, so
 * it answers 404 like any path it does not know.
 */
export function devLoginRoutes(auth: Authenticator): Route[] {
  const dev = auth.dev;
  if (dev === null) return [];
  return [
    {
      method: 'POST',
      path: DEV_LOGIN_PATH,
      access: 'public',
      body: 'json',
      async handle({ body }) {
        const name = normalizeDevName((body as { name?: unknown } | null)?.name);
        if (name === null) throw new HttpError(400, 'name must be 1-64 characters without control characters');
        try {
          return json(200, await dev.issue(name));
        } catch {
          throw new HttpError(503, 'signing key unavailable');
        }
      },
    },
  ];
}
