/**
 * The project's one Redis client library is node-redis (`redis`, v5): the
 * client Redis's own documentation recommends for Node (ioredis is
 * deprecated in its favour), with typed commands, binary replies through
 * type mapping, and automatic reconnection with an offline queue — the bus
 * resumes its streams itself, so it needs nothing more from the client.
 */
import { createClient } from 'redis';

export type RedisConnection = ReturnType<typeof createClient>;

export interface ConnectOptions {
  /** Errors of the connection (refused, lost); the client reconnects on its own meanwhile. */
  readonly onError: (err: Error) => void;
  /** Shown by `CLIENT LIST`, so an operator can tell the connections apart. */
  readonly name?: string;
}

/** How long between reconnect attempts: quick at first, then at most a second, forever. */
function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 1000);
}

/**
 * Connects to `url` and resolves once the connection is ready. A node-redis
 * client with no `error` listener would crash the process on the first
 * lost connection; this one always has `onError`.
 */
export async function connectRedis(url: string, options: ConnectOptions): Promise<RedisConnection> {
  const client = createClient({
    url,
    ...(options.name === undefined ? {} : { name: options.name }),
    socket: { reconnectStrategy: reconnectDelay },
  });
  client.on('error', options.onError);
  await client.connect();
  return client;
}

/**
 * Another connection like `client`'s, for a part's own use (a blocking
 * reader, a pub/sub subscriber: neither can share the command connection),
 * its errors reported as `report` says.
 */
export async function openSibling(client: RedisConnection, name: string, report: (err: Error) => void): Promise<RedisConnection> {
  const connection = client.duplicate({ name });
  connection.on('error', report);
  await connection.connect();
  return connection;
}

/** How long a close waits for replies still owed before it cuts the connection. */
const CLOSE_GRACE_MS = 1000;

/**
 * Closes `client`: its owed replies are waited for while it is connected,
 * for at most `graceMs`. node-redis's own `close()` waits for them without
 * end, so with Redis unreachable (reconnecting, commands queued) a shutdown
 * would hang; then the connection is destroyed and what was queued rejects.
 */
export async function closeRedis(client: RedisConnection, graceMs = CLOSE_GRACE_MS): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) {
    client.destroy();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const closed = client.close().then(() => true, () => false);
  const graced = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
  const inTime = await Promise.race([closed, graced]);
  clearTimeout(timer);
  if (!inTime && client.isOpen) client.destroy();
}

/** Where a read loop with nothing to read waits until there is: `wait()` until the next `wake()`. */
export class IdleLoop {
  #wake: (() => void) | null = null;

  get waiting(): boolean {
    return this.#wake !== null;
  }

  wait(): Promise<void> {
    return new Promise<void>((resolve) => (this.#wake = resolve));
  }

  wake(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
