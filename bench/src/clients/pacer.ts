import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PaceOptions {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** Hard cap on sends, whatever the rate and duration. */
  readonly maxCount: number;
  /** Called for the i-th send (0, 1, …). */
  readonly send: (index: number) => void;
  /** Checked before every send; true ends the run early. */
  readonly stopped?: () => boolean;
}

/**
 * Sends at a fixed average rate for a bounded time. It works from the
 * schedule, not from timers: each wake-up sends whatever is due by now, so a
 * slow tick is caught up rather than lowering the rate (and a generator that
 * falls behind shows up in its CPU share, not as a quietly lower load).
 */
export async function pace({ ratePerSecond, durationMs, maxCount, send, stopped }: PaceOptions): Promise<number> {
  const start = performance.now();
  const total = Math.min(maxCount, Math.floor((ratePerSecond * durationMs) / 1000));
  const tickMs = Math.min(10, Math.max(1, 1000 / ratePerSecond));
  let sent = 0;
  while (sent < total) {
    const elapsed = performance.now() - start;
    if (elapsed > durationMs * 2) break;
    const due = Math.min(total, Math.floor((elapsed * ratePerSecond) / 1000) + 1);
    while (sent < due) {
      if (stopped?.()) return sent;
      send(sent++);
    }
    await sleep(tickMs);
  }
  return sent;
}
