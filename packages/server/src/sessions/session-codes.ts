import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** 96 random bits: unguessable, and URL-safe like every session id must be. */
export function newSessionId(): string {
  return randomBytes(12).toString('base64url');
}

// Crockford's base32 alphabet: no I, L, O or U, so a code read aloud at the table survives.
const JOIN_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const JOIN_CODE_LENGTH = 10;

/** 50 random bits. */
export function newJoinCode(): string {
  let code = '';
  for (let i = 0; i < JOIN_CODE_LENGTH; i++) code += JOIN_ALPHABET[randomInt(JOIN_ALPHABET.length)];
  return code;
}

/** Compares in constant time, so response timing does not reveal how much of a guess was right. */
export function joinCodeMatches(stored: string, offered: unknown): boolean {
  if (typeof offered !== 'string') return false;
  const a = Buffer.from(stored.toUpperCase());
  const b = Buffer.from(offered.trim().toUpperCase());
  return a.length === b.length && timingSafeEqual(a, b);
}
