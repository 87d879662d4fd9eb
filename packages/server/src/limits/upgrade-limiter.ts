import type { LimitOptions } from './limit-options.ts';
import { KeyedBuckets } from './token-bucket.ts';

/** A slot held by an upgrade in progress or an open socket; `release` is idempotent. */
export interface Slot {
  release(): void;
}

export type Admission =
  | { readonly ok: true; readonly slot: Slot }
  | {
      readonly ok: false;
      /** Seconds a client should wait before trying again (the `Retry-After` header). */
      readonly retryAfterSeconds: number;
      readonly reason: 'too many connections' | 'too many new connections';
    };

/** What a refused client is told to wait when the limit is on open sockets: there is no telling when one closes. */
const RETRY_AFTER_WHEN_FULL_SECONDS = 5;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Admission at the upgrade ([F1], [F2]): every attempt takes a token from its
 * key's bucket (by client address before the token is verified, by user
 * after), and holds one of the key's connection slots until its socket
 * closes. Refusals cost the server nothing beyond this bookkeeping.
 */
export class UpgradeLimiter {
  readonly #byIp: KeyedLimit;
  readonly #byUser: KeyedLimit;
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(limits: LimitOptions, now: () => number = Date.now) {
    this.#byIp = new KeyedLimit(limits.connectionsPerIp, new KeyedBuckets(limits.upgradesPerIp, now));
    this.#byUser = new KeyedLimit(limits.connectionsPerUser, new KeyedBuckets(limits.upgradesPerUser, now));
    this.#sweep = setInterval(() => {
      this.#byIp.sweep();
      this.#byUser.sweep();
    }, SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  admitIp(address: string): Admission {
    return this.#byIp.admit(address);
  }

  admitUser(userId: string): Admission {
    return this.#byUser.admit(userId);
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}

class KeyedLimit {
  readonly #max: number;
  readonly #rate: KeyedBuckets;
  readonly #open = new Map<string, number>();

  constructor(max: number, rate: KeyedBuckets) {
    this.#max = max;
    this.#rate = rate;
  }

  admit(key: string): Admission {
    // The rate counts attempts, refused ones included: retrying harder must not help.
    const wait = this.#rate.take(key);
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)), reason: 'too many new connections' };
    const open = this.#open.get(key) ?? 0;
    if (open >= this.#max) return { ok: false, retryAfterSeconds: RETRY_AFTER_WHEN_FULL_SECONDS, reason: 'too many connections' };
    this.#open.set(key, open + 1);
    let held = true;
    return {
      ok: true,
      slot: {
        release: () => {
          if (!held) return;
          held = false;
          const left = (this.#open.get(key) ?? 1) - 1;
          if (left <= 0) this.#open.delete(key);
          else this.#open.set(key, left);
        },
      },
    };
  }

  sweep(): void {
    this.#rate.sweep();
  }
}
