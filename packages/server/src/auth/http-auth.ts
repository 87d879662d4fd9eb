import type { IncomingMessage } from 'node:http';
import { HttpError, unauthorized } from '../http/http-error.ts';
import type { Authenticator } from './authenticator.ts';
import { credentialFromBearer } from './credentials.ts';
import type { Principal } from './principal.ts';

/** The caller of an API request, or an HttpError: 401 for a missing, bad or expired token, 503 if it cannot be checked. */
export async function authenticateHttp(req: IncomingMessage, auth: Authenticator): Promise<Principal> {
  const credential = credentialFromBearer(req);
  if (credential.kind === 'malformed') throw unauthorized(credential.detail);
  const result = await auth.verify(credential.kind === 'token' ? credential.token : null);
  if (result.ok) return result.principal;
  if (result.failure === 'unavailable') throw new HttpError(503, result.detail);
  throw unauthorized(result.detail);
}
