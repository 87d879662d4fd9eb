import { HttpError } from './http-error.ts';

/** Bounds of an integer query parameter; both inclusive, both safe integers. */
export interface IntBounds {
  readonly min: number;
  readonly max: number;
}

/** Decimal digits only: no sign, exponent, hex, spaces or fraction, so `Number` sees exactly what the client wrote. */
const DIGITS = /^\d{1,16}$/;

/**
 * A safe integer written in decimal, within `bounds`, or null when it is not
 * one. Every numeric parameter of a request goes through here: a number
 * outside the safe range would reach the store rounded (2^53 + 1 reads as
 * 2^53) and be refused there as a server error.
 */
export function safeInteger(raw: string, bounds: IntBounds): number | null {
  if (!DIGITS.test(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= bounds.min && n <= bounds.max ? n : null;
}

/** Query parameter `name` as a safe integer within `bounds`; absent or empty is `fallback`; anything else 400. */
export function intQuery(url: URL, name: string, bounds: IntBounds, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const n = safeInteger(raw, bounds);
  if (n === null) throw new HttpError(400, `${name} must be an integer from ${bounds.min} to ${bounds.max}`);
  return n;
}

/** Every safe integer ≥ 0. */
export const NON_NEGATIVE: IntBounds = { min: 0, max: Number.MAX_SAFE_INTEGER };
