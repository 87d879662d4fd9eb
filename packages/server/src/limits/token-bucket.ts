/** A sustained rate with room for bursts: `burst` at once, refilled at `perSecond`. */
export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
}

/** `Infinity` in either field turns a limit off. */
export function isUnlimited(limit: RateLimit): boolean {
  return limit.burst === Infinity || limit.perSecond === Infinity;
}

/**
 * One token bucket. `take` either takes the whole cost or nothing, and says
 * how long until it could: callers decide whether to wait, drop or refuse.
 */
export class TokenBucket {
  readonly #limit: RateLimit;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(limit: RateLimit, now: () => number = Date.now) {
    this.#limit = limit;
    this.#now = now;
    this.#tokens = limit.burst;
    this.#at = now();
  }

  /** Tokens available now. */
  get level(): number {
    this.#refill();
    return this.#tokens;
  }

  get burst(): number {
    return this.#limit.burst;
  }

  /** Whether the bucket is back to full: an idle key can be forgotten. */
  get full(): boolean {
    return isUnlimited(this.#limit) || this.level >= this.#limit.burst;
  }

  /**
   * Takes `cost` tokens and returns 0, or takes nothing and returns the ms
   * until `cost` tokens will be there. A cost above the burst is charged as
   * the burst: it needs a full bucket and empties it.
   */
  take(cost = 1): number {
    if (isUnlimited(this.#limit)) return 0;
    const charged = Math.min(cost, this.#limit.burst);
    this.#refill();
    if (this.#tokens >= charged) {
      this.#tokens -= charged;
      return 0;
    }
    if (this.#limit.perSecond <= 0) return Infinity;
    return Math.ceil(((charged - this.#tokens) / this.#limit.perSecond) * 1000);
  }

  /** Ms until `cost` tokens are there, without taking any. */
  waitFor(cost = 1): number {
    if (isUnlimited(this.#limit)) return 0;
    const charged = Math.min(cost, this.#limit.burst);
    this.#refill();
    if (this.#tokens >= charged) return 0;
    if (this.#limit.perSecond <= 0) return Infinity;
    return Math.ceil(((charged - this.#tokens) / this.#limit.perSecond) * 1000);
  }

  #refill(): void {
    const t = this.#now();
    if (t > this.#at) {
      this.#tokens = Math.min(this.#limit.burst, this.#tokens + ((t - this.#at) / 1000) * this.#limit.perSecond);
    }
    this.#at = t;
  }
}

/**
 * Token buckets by key (a user, an address). Buckets that refilled to full
 * are swept, so keys that stopped coming cost no memory.
 */
export class KeyedBuckets {
  readonly #limit: RateLimit;
  readonly #now: () => number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(limit: RateLimit, now: () => number = Date.now) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Takes one token for `key`: 0 when taken, else the ms until one will be there. */
  take(key: string): number {
    if (isUnlimited(this.#limit)) return 0;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#limit, this.#now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take();
  }

  sweep(): void {
    for (const [key, bucket] of this.#buckets) if (bucket.full) this.#buckets.delete(key);
  }
}
