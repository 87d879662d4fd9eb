import type { RateLimit } from './token-bucket.ts';
import { TokenBucket } from './token-bucket.ts';

/** The socket whose reading is paused while its sender is over the limit. */
export interface PausableSocket {
  pause(): void;
  resume(): void;
}

export interface InboundLimits {
  readonly messages: RateLimit;
  readonly bytes: RateLimit;
  readonly graceMs: number;
}

/**
 * Messages held while paused; a sender that got this far ahead of its rate
 * is flooding, whatever the grace. A real client never has more than a few
 * frames in flight.
 */
const MAX_HELD_MESSAGES = 1024;
/**
 * Messages of one socket handled in one turn of the event loop. One TCP read
 * can carry a thousand small frames; handled in one go, they would hold up
 * every other socket's messages behind them, within the rate or not.
 */
const MAX_PER_TURN = 32;

/**
 * Per-socket message and byte rate ([F3]). Within the rate, messages are
 * handed on at once. Over it, nothing is dropped — a Yjs update the server
 * skipped would leave the sender believing the room has it — instead the
 * socket stops being read (TCP pushes back on the sender) and held messages
 * are handed on, in order, as the buckets refill. A sender that stays over
 * the rate for `graceMs`, or piles up more than MAX_HELD_MESSAGES, is cut off
 * through `onExceeded` (the connection closes with RateLimited, and the
 * client's reconnect resyncs whatever was held).
 *
 * A sender is back under the limit once its message bucket has refilled to
 * half: a client keeping just at the sustained rate never gets there, so a
 * flood cannot hide in a long throttle.
 *
 * Independently of the rate, a socket gets at most MAX_PER_TURN messages
 * handled per turn of the event loop before the others get theirs.
 */
export class InboundThrottle<T> {
  readonly #messages: TokenBucket;
  readonly #bytes: TokenBucket;
  readonly #graceMs: number;
  readonly #socket: PausableSocket;
  readonly #deliver: (item: T) => void;
  readonly #onExceeded: () => void;
  readonly #now: () => number;
  readonly #held: Array<{ item: T; bytes: number }> = [];
  #overSince: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #immediate: ReturnType<typeof setImmediate> | null = null;
  #turnDelivered = 0;
  #stopped = false;

  constructor(
    limits: InboundLimits,
    socket: PausableSocket,
    deliver: (item: T) => void,
    onExceeded: () => void,
    now: () => number = Date.now,
  ) {
    this.#messages = new TokenBucket(limits.messages, now);
    this.#bytes = new TokenBucket(limits.bytes, now);
    this.#graceMs = limits.graceMs;
    this.#socket = socket;
    this.#deliver = deliver;
    this.#onExceeded = onExceeded;
    this.#now = now;
  }

  push(item: T, bytes: number): void {
    if (this.#stopped) return;
    if (this.#held.length > 0) {
      // Frames already read from the socket before it paused: they queue behind, in order.
      this.#held.push({ item, bytes });
      if (this.#held.length > MAX_HELD_MESSAGES) this.#exceed();
      return;
    }
    if (this.#turnDelivered >= MAX_PER_TURN) {
      this.#held.push({ item, bytes });
      this.#socket.pause();
      this.#nextTurn();
      return;
    }
    if (this.#admit(bytes)) {
      this.#handOn(item);
      return;
    }
    this.#held.push({ item, bytes });
    this.#overSince ??= this.#now();
    this.#socket.pause();
    this.#schedule(bytes);
  }

  /** Forgets held messages and timers; the socket is closing. */
  stop(): void {
    this.#stopped = true;
    this.#held.length = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  #handOn(item: T): void {
    if (this.#turnDelivered++ === 0) {
      // The count starts over once the event loop has had its turn at every other socket.
      setImmediate(() => {
        this.#turnDelivered = 0;
      });
    }
    this.#deliver(item);
  }

  #nextTurn(): void {
    if (this.#immediate !== null || this.#timer !== null) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = null;
      this.#drain();
    });
  }

  #admit(bytes: number): boolean {
    if (this.#messages.waitFor(1) > 0 || this.#bytes.waitFor(bytes) > 0) return false;
    this.#messages.take(1);
    this.#bytes.take(bytes);
    if (this.#overSince !== null && this.#messages.level >= this.#messages.burst / 2) this.#overSince = null;
    return true;
  }

  #schedule(bytes: number): void {
    if (this.#overSince !== null && this.#now() - this.#overSince > this.#graceMs) {
      this.#exceed();
      return;
    }
    const wait = Math.max(this.#messages.waitFor(1), this.#bytes.waitFor(bytes), 1);
    this.#timer = setTimeout(() => this.#drain(), wait);
  }

  #drain(): void {
    this.#timer = null;
    while (this.#held.length > 0) {
      if (this.#stopped) return;
      if (this.#turnDelivered >= MAX_PER_TURN) {
        this.#nextTurn();
        return;
      }
      const next = this.#held[0]!;
      if (!this.#admit(next.bytes)) {
        this.#schedule(next.bytes);
        return;
      }
      this.#held.shift();
      this.#handOn(next.item);
    }
    if (!this.#stopped) this.#socket.resume();
  }

  #exceed(): void {
    if (this.#stopped) return;
    this.stop();
    this.#onExceeded();
  }
}
