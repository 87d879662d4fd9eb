/**
 * Reconnect delays: exponential growth with jitter, so that a thousand clients
 * dropped by one server restart do not come back in lockstep.
 */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay. */
  readonly initialDelayMs: number;
  /** The ceiling never grows past this. */
  readonly maxDelayMs: number;
  /** Growth of the ceiling per failed attempt. */
  readonly multiplier: number;
  /**
   * Fraction of the ceiling that is randomised: 1 ("full jitter") draws the
   * delay uniformly from (0, ceiling]; 0.5 from (ceiling/2, ceiling]; 0 is no jitter.
   */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 1,
};

/** A source of uniform numbers in [0, 1), like Math.random. */
export type RandomSource = () => number;

export function resolveBackoff(options: Partial<BackoffOptions> = {}): BackoffOptions {
  const resolved = { ...DEFAULT_BACKOFF, ...options };
  const { initialDelayMs, maxDelayMs, multiplier, jitter } = resolved;
  if (!(initialDelayMs > 0)) throw new RangeError('backoff.initialDelayMs must be > 0');
  if (!(maxDelayMs >= initialDelayMs)) throw new RangeError('backoff.maxDelayMs must be >= initialDelayMs');
  if (!(multiplier >= 1)) throw new RangeError('backoff.multiplier must be >= 1');
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError('backoff.jitter must be within [0, 1]');
  return resolved;
}

/** The largest delay the given attempt (1 = first retry) can draw. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** exponent);
}

/** Delay before the given attempt (1 = first retry after a drop). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: RandomSource = Math.random): number {
  const ceiling = backoffCeiling(attempt, options);
  // Clamp: an injected source that returns 1 (or a bit more) must not yield a negative delay.
  const r = Math.min(Math.max(random(), 0), 1);
  return ceiling * (1 - options.jitter * r);
}
