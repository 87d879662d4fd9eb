import { performance } from 'node:perf_hooks';
import { LatencyRecorder } from './delivery-tracker.ts';

interface Pending {
  readonly sentAt: number;
  readonly measured: boolean;
}

export interface AckCounts {
  /** Intents sent inside the measured window. */
  readonly sent: number;
  /** …of which the server answered. */
  readonly acked: number;
  readonly applied: number;
  /** Rejections of measured intents by reason. */
  readonly rejected: ReadonlyMap<string, number>;
  /** Rejections of warm-up intents by reason (not in the figures, but worth a note). */
  readonly warmupRejected: ReadonlyMap<string, number>;
}

/**
 * Send → ack latency of intents, matched by id across all of a table's
 * sockets (ids are UUIDs). Intents sent before `beginWindow` are answered
 * and forgotten; those sent after it are the measurement.
 */
export class AckTracker {
  private readonly pending = new Map<string, Pending>();
  readonly latency = new LatencyRecorder();
  /** Send → the intent's effect in another socket's document ([EL22]: shown once stored). */
  readonly effectLatency = new LatencyRecorder();
  /** Measured intents acked as applied whose effect was not seen yet: when they were sent, by sequence. */
  private readonly sentBySequence = new Map<number, number>();
  /** Effects seen before their intent's ack arrived: when, by sequence. */
  private readonly seenBySequence = new Map<number, number>();
  private measuring = false;
  private sent = 0;
  private acked = 0;
  private applied = 0;
  private rejected = new Map<string, number>();
  private warmupRejected = new Map<string, number>();
  /** Acks whose id this tracker never sent (should stay 0). */
  strayAcks = 0;
  /** Every intent answered so far, warm-up included: what the server did while a window was metered. */
  answeredTotal = 0;

  beginWindow(): void {
    this.measuring = true;
    this.sent = 0;
    this.acked = 0;
    this.applied = 0;
    this.rejected = new Map();
    this.latency.reset();
    this.effectLatency.reset();
    this.sentBySequence.clear();
    this.seenBySequence.clear();
  }

  /** Stops counting new sends; acks of what was already sent still count. */
  endWindow(): void {
    this.measuring = false;
  }

  /** Call right before the frame goes out. */
  sending(id: string): void {
    this.pending.set(id, { sentAt: performance.now(), measured: this.measuring });
    if (this.measuring) this.sent += 1;
  }

  onAcks(acks: readonly unknown[]): void {
    const now = performance.now();
    for (const raw of acks) {
      const ack = raw as { id?: unknown; success?: unknown; reason?: unknown; sequence?: unknown; status?: unknown };
      const pending = typeof ack.id === 'string' ? this.pending.get(ack.id) : undefined;
      if (pending === undefined) {
        this.strayAcks += 1;
        continue;
      }
      this.pending.delete(ack.id as string);
      this.answeredTotal += 1;
      const reason = ack.success === true ? undefined : String(ack.reason);
      if (!pending.measured) {
        if (reason !== undefined) bump(this.warmupRejected, reason);
        continue;
      }
      this.acked += 1;
      this.latency.add(now - pending.sentAt);
      if (reason === undefined) this.applied += 1;
      else bump(this.rejected, reason);
      if (reason === undefined && typeof ack.sequence === 'number' && ack.status === undefined) this.#effectAcked(ack.sequence, pending.sentAt);
    }
  }

  /** The document a watcher holds now records `sequence` (its `/meta/sequence`), seen at `at`. */
  effectSeen(sequence: number, at: number): void {
    const sentAt = take(this.sentBySequence, sequence);
    // Its ack may still be on the way to its sender (a warm-up intent's is never claimed).
    if (sentAt === undefined) this.seenBySequence.set(sequence, at);
    else this.effectLatency.add(at - sentAt);
  }

  #effectAcked(sequence: number, sentAt: number): void {
    const seenAt = take(this.seenBySequence, sequence);
    if (seenAt === undefined) this.sentBySequence.set(sequence, sentAt);
    else this.effectLatency.add(seenAt - sentAt);
  }

  /** Intents sent (in any phase) and not answered yet. */
  get outstanding(): number {
    return this.pending.size;
  }

  counts(): AckCounts {
    return {
      sent: this.sent,
      acked: this.acked,
      applied: this.applied,
      rejected: new Map(this.rejected),
      warmupRejected: new Map(this.warmupRejected),
    };
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Removes `key` from `map`, answering what it held. */
function take<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key);
  map.delete(key);
  return value;
}
