import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import type { SendLog } from './send-log.ts';
import { TOKENS_MAP } from './token-writer.ts';

/** Latency samples of one measurement window, in ms. */
export class LatencyRecorder {
  private samples = new Float64Array(4096);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = ms;
  }

  reset(): void {
    this.count = 0;
  }

  values(): Float64Array {
    return this.samples.subarray(0, this.count);
  }
}

export interface WindowCount {
  readonly expected: number;
  readonly delivered: number;
}

/**
 * Watches one receiver's document. A move counts as delivered when the
 * receiver sees that token at that move or a later one; its latency is measured
 * from the send time the writer put into the document (or, for a move the
 * server folded into a later one, from the send log).
 */
export class DeliveryTracker {
  private readonly lastSeen: number[] = [];
  private countFrom: number[] = [];
  private latencyFrom = Infinity;

  constructor(
    private readonly doc: Y.Doc,
    private readonly log: SendLog,
    private readonly recorder: LatencyRecorder,
    /** Writers in this receiver's room, except the receiver itself (its own moves are never remote). */
    private readonly writers: readonly number[],
  ) {
    doc.getMap(TOKENS_MAP).observeDeep((events) => this.observe(events));
  }

  private observe(events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void {
    const nowEpoch = performance.timeOrigin + performance.now();
    for (const event of events) {
      if (!(event instanceof Y.YMapEvent) || !event.keysChanged.has('seq')) continue;
      const token = event.target as Y.Map<unknown>;
      const writer = token.get('w') as number;
      // A token of an earlier visit to the room, whose writer had the same index.
      if (token.get('c') !== this.log.clientOf(writer)) continue;
      const seq = token.get('seq') as number;
      const previous = this.lastSeen[writer] ?? 0;
      if (seq <= previous) continue;
      this.lastSeen[writer] = seq;
      for (let s = previous + 1; s <= seq; s++) {
        const sentAt = this.log.sentAt(writer, s);
        if (!(sentAt >= this.latencyFrom)) continue;
        const sentEpoch = s === seq ? (token.get('t') as number) : performance.timeOrigin + sentAt;
        this.recorder.add(nowEpoch - sentEpoch);
      }
    }
  }

  /** Starts a window: moves sent from now on count, latencies of moves sent after `latencyFrom` are kept. */
  beginWindow(latencyFrom: number): void {
    this.countFrom = [];
    for (const w of this.writers) this.countFrom[w] = this.log.sent(w);
    this.latencyFrom = latencyFrom;
  }

  /** Whether every move sent so far by others has been seen. */
  caughtUp(): boolean {
    return this.writers.every((w) => (this.lastSeen[w] ?? 0) >= this.log.sent(w));
  }

  /** Tokens this receiver's document holds. */
  tokensKnown(): number {
    return this.doc.getMap(TOKENS_MAP).size;
  }

  count(): WindowCount {
    let expected = 0;
    let delivered = 0;
    for (const w of this.writers) {
      const from = this.countFrom[w] ?? 0;
      const sent = this.log.sent(w);
      expected += sent - from;
      delivered += Math.max(0, Math.min(this.lastSeen[w] ?? 0, sent) - from);
    }
    return { expected, delivered };
  }
}
