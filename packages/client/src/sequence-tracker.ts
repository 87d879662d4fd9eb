import { SequenceSet } from './sequence-set.ts';

/**
 * What this client knows of the session's event log ([EQ9]).
 *
 * `lastSeen`: every sequence up to it was seen (as an ack, a broadcast or a
 * catch-up entry) or deliberately skipped (a gap too large to replay). It is
 * what a reconnect sends as `seq` and where a catch-up starts.
 *
 * Separately it remembers which sequences it could attribute to an intent id.
 * Skipped ones are not attributed; the overlay needs that difference to know
 * whether a doc change might be one of this client's own unacknowledged
 * intents ([EQ8]).
 */
export class SequenceTracker {
  #lastSeen: number;
  readonly #identified = new SequenceSet();

  constructor(lastSeen = 0) {
    this.#lastSeen = lastSeen;
  }

  get lastSeen(): number {
    return this.#lastSeen;
  }

  /** Records an entry seen by id. False when it had been seen (or skipped) before: not news. */
  note(sequence: number): boolean {
    const fresh = sequence > this.#lastSeen && !this.#identified.has(sequence);
    this.#identified.add(sequence);
    this.#advance();
    return fresh;
  }

  /** First missing sequence when a later one is known, else null. */
  gap(): number | null {
    const max = this.#identified.max();
    return max !== undefined && max > this.#lastSeen + 1 ? this.#lastSeen + 1 : null;
  }

  /** The server will not replay up to `latest` (the doc arrives through Yjs instead). */
  skipTo(latest: number): void {
    if (latest > this.#lastSeen) this.#lastSeen = latest;
    this.#advance();
  }

  /** The server's log ends before what we saw (its data was reset): start over from its end. */
  rewindTo(latest: number): void {
    this.#lastSeen = latest;
    this.#identified.clear();
  }

  /** True when every sequence in [from, to] was attributed to an intent id. */
  identifiedCovers(from: number, to: number): boolean {
    return this.#identified.covers(from, to);
  }

  /** Drops attributions below `n` (nothing pending can need them any more). */
  forgetBelow(n: number): void {
    this.#identified.dropBelow(Math.min(n, this.#lastSeen + 1));
  }

  #advance(): void {
    this.#lastSeen = Math.max(this.#lastSeen, this.#identified.contiguousFrom(this.#lastSeen + 1));
  }
}
