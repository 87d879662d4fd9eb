import type { ApiResult } from '@dungeon-lab/client';
import { explain } from '../app/api-errors.ts';
import { type Identity, identityFromToken, originApi, useIdentity } from '../app/identity.ts';
import { usePrefs } from '../app/prefs.ts';

export type SignInOutcome = { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly message: string; readonly needsToken: boolean };

const MAX_NAME = 64;

/** Problems with a name before any request is made; null when it is fine. */
export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter the name the table will know you by.';
  if ([...trimmed].length > MAX_NAME) return `Keep your name to ${MAX_NAME} characters.`;
  return null;
}

/**
 * Signs this tab in under `name` (a development server's login; the same
 * name is the same person), keeping the identity if the tab already is that
 * person. A server without development logins says so, and the caller offers
 * the token field instead.
 */
export async function signInAs(name: string): Promise<SignInOutcome> {
  const trimmed = name.trim();
  const current = useIdentity.getState().identity;
  if (current !== null && current.name === trimmed && current.expiresAt > Date.now() / 1000 + 60) return { ok: true, identity: current };
  const login = await originApi().devLogin(trimmed);
  if (!login.ok) return { ok: false, message: explain(login, 'sign-in'), needsToken: login.status === 404 };
  const identity: Identity = { token: login.data.token, userId: login.data.userId, name: login.data.name, expiresAt: login.data.expiresAt, source: 'dev-login' };
  useIdentity.getState().signIn(identity);
  usePrefs.getState().set({ lastName: login.data.name });
  return { ok: true, identity };
}

/** Signs in with a token an identity provider issued; the server is asked once, so a bad token is caught here. */
export async function signInWithToken(token: string): Promise<SignInOutcome> {
  const identity = identityFromToken(token);
  if (identity === null) return { ok: false, message: 'That is not an access token (a JWT with a subject).', needsToken: true };
  const check: ApiResult<unknown> = await originApi(async () => identity.token).listSessions();
  if (!check.ok) return { ok: false, message: explain(check, 'sign-in'), needsToken: true };
  useIdentity.getState().signIn(identity);
  return { ok: true, identity };
}
