import { createHash, randomBytes } from 'node:crypto';
import type { SecretStore } from '@dungeon-lab/store';
import { SignJWT } from 'jose';
import { type AuthResult, authFailure } from './principal.ts';
import { verifyJwt } from './verify-jwt.ts';

export const DEV_ISSUER = 'dungeon-lab-dev';
export const DEV_AUDIENCE = 'dungeon-lab';
/** Stored in the store ([SM9]) so that tokens survive a restart. */
export const DEV_SECRET_NAME = 'auth/dev-hs256-key';
const SECRET_BYTES = 32;
const MAX_NAME_LENGTH = 64;
// Control characters would end up in logs; nothing legitimate needs them.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export interface DevLogin {
  readonly token: string;
  readonly userId: string;
  readonly name: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

/** The name as logged in with: trimmed and NFC-normalised, so that "Zoë" typed two ways is one user. */
export function normalizeDevName(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const name = raw.normalize('NFC').trim();
  if (name.length === 0 || [...name].length > MAX_NAME_LENGTH || CONTROL_CHARS.test(name)) return null;
  return name;
}

/**
 * The user id of a development name: derived, so the same name is the same
 * user on every login and after a restart. There are no passwords in
 * development mode: knowing a name is being that user (docs/security.md).
 */
export function devUserId(name: string): string {
  return `dev-${createHash('sha256').update(`dungeon-lab dev user\u0000${name}`).digest('base64url').slice(0, 22)}`;
}

/**
 * HS256 tokens signed with a secret the server generates once and keeps in
 * its store. The secret is read on first use, so creating a server stays
 * synchronous and a store that is briefly down only delays logins.
 */
export class DevTokens {
  readonly #store: SecretStore;
  readonly #ttlSeconds: number;
  #key: Promise<Uint8Array> | null = null;

  constructor(store: SecretStore, ttlSeconds: number) {
    this.#store = store;
    this.#ttlSeconds = ttlSeconds;
  }

  async issue(name: string): Promise<DevLogin> {
    const key = await this.#signingKey();
    const userId = devUserId(name);
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + this.#ttlSeconds;
    const token = await new SignJWT({ name })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(key);
    return { token, userId, name, expiresAt };
  }

  async verify(token: string): Promise<AuthResult> {
    let key: Uint8Array;
    try {
      key = await this.#signingKey();
    } catch {
      return authFailure('unavailable', 'signing key unavailable');
    }
    return verifyJwt(token, key, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, algorithms: ['HS256'], clockToleranceSeconds: 0 });
  }

  #signingKey(): Promise<Uint8Array> {
    if (this.#key === null) {
      const claimed = this.#store.claimSecret(DEV_SECRET_NAME, randomBytes(SECRET_BYTES));
      this.#key = claimed;
      // A failed read is retried on the next call instead of being remembered.
      claimed.catch(() => {
        if (this.#key === claimed) this.#key = null;
      });
    }
    return this.#key;
  }
}
