import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readJsonBody, sendJson } from '../http-json.ts';
import type { Authenticator } from './authenticator.ts';
import { normalizeDevName } from './dev-tokens.ts';

export const DEV_LOGIN_PATH = '/api/dev/login';

/**
 * `POST /api/dev/login {"name"}` → `{ token, userId, name, expiresAt }`, in
 * development mode only; a production server answers 404 as if the route did
 * not exist. Returns false for other paths.
 */
export async function handleDevLogin(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  auth: Authenticator,
  maxBodyBytes: number,
): Promise<boolean> {
  if (url.pathname !== DEV_LOGIN_PATH) return false;
  try {
    if (auth.dev === null) throw new HttpError(404, 'not found');
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} not allowed on ${url.pathname}`);
    const body = (await readJsonBody(req, maxBodyBytes)) as { name?: unknown } | null;
    const name = normalizeDevName(body?.name);
    if (name === null) throw new HttpError(400, 'name must be 1-64 characters without control characters');
    let login;
    try {
      login = await auth.dev.issue(name);
    } catch {
      throw new HttpError(503, 'signing key unavailable');
    }
    sendJson(res, 200, login);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    sendJson(res, err.status, { error: err.message });
  }
  return true;
}
