import { performance } from 'node:perf_hooks';
import type { LoadClient } from './load-client.ts';

export interface ConnectOutcome {
  readonly connected: number;
  readonly failed: number;
  readonly ms: number;
  readonly firstError: string | undefined;
}

/** Connects clients with bounded concurrency, so that joining thousands does not become a SYN flood. */
export async function connectAll(clients: readonly LoadClient[], concurrency = 64, timeoutMs = 30_000): Promise<ConnectOutcome> {
  const start = performance.now();
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < clients.length) {
      const client = clients[next++]!;
      try {
        await client.connect(timeoutMs);
        connected += 1;
      } catch (error) {
        failed += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
  return { connected, failed, ms: performance.now() - start, firstError };
}

export async function closeAll(clients: readonly LoadClient[]): Promise<void> {
  for (const client of clients) client.close();
  await Promise.all(clients.map((client) => client.closed()));
}

/**
 * Hocuspocus drops sockets that sent nothing for 60 s; readers that only
 * listen would be cut off in long phases. Sweeps every few seconds and pokes
 * the quiet ones (a no-op for servers that use WebSocket pings instead).
 */
export function keepAlive(clients: () => Iterable<LoadClient>, quietMs = 20_000): () => void {
  const timer = setInterval(() => {
    const threshold = performance.now() - quietMs;
    for (const client of clients()) {
      if (client.state === 'synced' && client.lastSentAt < threshold) client.keepalive();
    }
  }, 5_000);
  timer.unref();
  return () => clearInterval(timer);
}
