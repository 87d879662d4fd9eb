import { performance } from 'node:perf_hooks';
import type { LoadClient } from './load-client.ts';

export interface BackoffOptions {
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** No attempt starts after this performance.now() time (read before every attempt, so it can be moved). */
  readonly deadline: () => number;
  readonly connectTimeoutMs: number;
}

/**
 * The same policy for every target: y-websocket's provider backoff (100 ms
 * doubling to 2.5 s) with jitter, so that a thousand clients do not retry in
 * lockstep. Hocuspocus's provider waits at least 1 s between attempts; using
 * one policy keeps the comparison about the servers.
 */
export const PROVIDER_BACKOFF = { firstDelayMs: 100, maxDelayMs: 2_500 } as const;

/** Reconnects `client` until it is synced again or the deadline passes. */
export async function reconnect(client: LoadClient, options: BackoffOptions): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const delay = Math.min(options.maxDelayMs, options.firstDelayMs * 2 ** attempt) * (0.5 + Math.random() * 0.5);
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (performance.now() > options.deadline()) return false;
    try {
      await client.connect(options.connectTimeoutMs);
      return true;
    } catch {
      // Refused while the server restarts; try again later.
    }
  }
}
