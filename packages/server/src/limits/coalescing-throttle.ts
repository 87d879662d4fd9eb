import type { RateLimit } from './token-bucket.ts';
import { TokenBucket } from './token-bucket.ts';

export interface CoalescingLimits {
  readonly messages: RateLimit;
  readonly bytes: RateLimit;
}

/**
 * A per-socket rate for messages where only the newest one per key matters
 * ([F4] awareness, [F8] sync requests). Within the rate a message is handled
 * at once. Over it, the newest message per key (a room) is kept, replacing
 * older ones, and handled once the buckets allow; the socket is never closed
 * for it.
 *
 * - Awareness is relayed to every socket in the room and never stored, so it
 *   is the cheapest flood to send and the widest to fan out; each message
 *   carries a client's whole state with a clock, so skipping older ones loses
 *   nothing, and the last state — where a cursor stopped — still arrives.
 * - A sync step 1 makes the server encode what the sender lacks, up to the
 *   whole document, for a few bytes sent; the answer to the newest state
 *   vector holds everything older ones would have been answered with.
 *
 * A message larger than the byte burst is dropped outright: it could never
 * be handled.
 */
export class CoalescingThrottle<K> {
  readonly #messages: TokenBucket;
  readonly #bytes: TokenBucket;
  readonly #held = new Map<K, { bytes: number; relay: () => void }>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(limits: CoalescingLimits, now: () => number = Date.now) {
    this.#messages = new TokenBucket(limits.messages, now);
    this.#bytes = new TokenBucket(limits.bytes, now);
  }

  /** Handles now (`relay` runs at once), later (only if nothing newer for `key` comes first), or never. */
  offer(key: K, bytes: number, relay: () => void): void {
    if (bytes > this.#bytes.burst) return;
    if (!this.#held.has(key) && this.#take(bytes)) {
      relay();
      return;
    }
    // Delete first, so the key moves to the end and keys are relayed in the order they last spoke.
    this.#held.delete(key);
    this.#held.set(key, { bytes, relay });
    this.#schedule();
  }

  /** Forgets what is held for `key` (the socket left that room). */
  forget(key: K): void {
    this.#held.delete(key);
  }

  stop(): void {
    this.#held.clear();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #take(bytes: number): boolean {
    if (this.#messages.waitFor(1) > 0 || this.#bytes.waitFor(bytes) > 0) return false;
    this.#messages.take(1);
    this.#bytes.take(bytes);
    return true;
  }

  #schedule(): void {
    if (this.#timer !== null) return;
    const first = this.#held.values().next().value;
    if (first === undefined) return;
    const wait = Math.max(this.#messages.waitFor(1), this.#bytes.waitFor(first.bytes), 1);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#flush();
    }, wait);
  }

  #flush(): void {
    for (const [key, held] of this.#held) {
      if (!this.#take(held.bytes)) break;
      this.#held.delete(key);
      held.relay();
    }
    this.#schedule();
  }
}
