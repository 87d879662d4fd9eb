import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../http-json.ts';
import type { Authenticator } from './authenticator.ts';
import { credentialFromBearer } from './credentials.ts';
import type { Principal } from './principal.ts';

/** The caller of an API request, or an HttpError: 401 for a missing, bad or expired token, 503 if it cannot be checked. */
export async function authenticateHttp(req: IncomingMessage, auth: Authenticator): Promise<Principal> {
  const credential = credentialFromBearer(req);
  if (credential.kind === 'malformed') throw new HttpError(401, credential.detail);
  const result = await auth.verify(credential.kind === 'token' ? credential.token : null);
  if (result.ok) return result.principal;
  if (result.failure === 'unavailable') throw new HttpError(503, result.detail);
  throw new HttpError(401, result.detail);
}

/** Answers an HttpError as `{ error }`; a 401 also says how to authenticate (RFC 6750). */
export function challengeIfUnauthorized(res: ServerResponse, err: HttpError): void {
  if (err.status === 401) res.setHeader('www-authenticate', 'Bearer realm="dungeon-lab"');
}
