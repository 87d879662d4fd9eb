import { SessionApi, decodeJwtClaims } from '@dungeon-lab/client';
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

/**
 * Who this tab is signed in as. It lives in sessionStorage (the seed's
 * hierarchy: the identity of a tab), so two tabs can be two people — a GM
 * and a test player — and closing the tab forgets it.
 */
export interface Identity {
  readonly token: string;
  readonly userId: string;
  readonly name: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
  /** How the token was had: a development login can be renewed by name, an issuer's token cannot. */
  readonly source: 'dev-login' | 'pasted';
}

interface IdentityState {
  readonly identity: Identity | null;
  signIn(identity: Identity): void;
  signOut(): void;
}

export const useIdentity = create<IdentityState>()(
  persist(
    (set) => ({
      identity: null,
      signIn: (identity) => set({ identity }),
      signOut: () => set({ identity: null }),
    }),
    { name: 'dl-identity', storage: createJSONStorage(() => sessionStorage), version: 1 },
  ),
);

/** The API of this page's origin: the server that served the app serves the API. */
export function originApi(token?: () => Promise<string>): SessionApi {
  return new SessionApi({ serverUrl: window.location.origin, ...(token === undefined ? {} : { token }) });
}

const RENEW_BEFORE_SECONDS = 300;

/**
 * The current token, renewed first when a development login is about to
 * expire (the same name is the same user). Called before every connection
 * and API call, so a long evening's game never meets an expired token; an
 * issuer's token cannot be renewed here and is refused when it expires.
 */
export async function freshToken(): Promise<string> {
  const identity = useIdentity.getState().identity;
  if (identity === null) throw new Error('not signed in');
  if (identity.source !== 'dev-login' || identity.expiresAt - Date.now() / 1000 > RENEW_BEFORE_SECONDS) return identity.token;
  const renewed = await originApi().devLogin(identity.name);
  if (!renewed.ok) return identity.token;
  const next: Identity = { ...identity, token: renewed.data.token, expiresAt: renewed.data.expiresAt };
  useIdentity.getState().signIn(next);
  return next.token;
}

/** The identity a pasted token stands for (its claims read, not verified: the server verifies); null for what is not a JWT with a subject. */
export function identityFromToken(token: string): Identity | null {
  const claims = decodeJwtClaims(token.trim());
  if (claims?.sub === undefined) return null;
  return { token: token.trim(), userId: claims.sub, name: claims.name ?? claims.sub, expiresAt: claims.exp ?? Number.MAX_SAFE_INTEGER, source: 'pasted' };
}
