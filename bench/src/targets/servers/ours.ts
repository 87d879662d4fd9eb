import { performance } from 'node:perf_hooks';
import { RATE_LIMITS_OFF, createServer, silentLogger, startMemoryReclaimer } from '@dungeon-lab/server';
import { createLevelStore } from '@dungeon-lab/store-level';
import { serve } from './harness.ts';

/** The user the shared workloads' clients connect as; in development mode a name is an identity. */
const BENCH_USER = 'bench';

/**
 * A token from the server's own development login, as a real client would
 * get one. Done once per start, off every measurement: the server then only
 * verifies it once per connection, at the upgrade, as in any deployment.
 */
async function devLogin(httpUrl: string): Promise<string> {
  const response = await fetch(`${httpUrl}/api/dev/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: BENCH_USER }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`dev login answered ${response.status}`);
  const { token } = (await response.json()) as { token?: unknown };
  if (typeof token !== 'string') throw new Error('dev login answered without a token');
  return token;
}

await serve(async ({ host, port, dataDir, evictAfterMs }) => {
  if (!dataDir) throw new Error('ours needs --data-dir');
  const store = await createLevelStore({ dataDir });
  // openRooms: the shared workloads use plain room names (`table`, `room-17`) that all three targets
  // must accept; a token is still required for them, so authentication stays on the path.
  // Limits off: every load client is the same user from the same address (a real table has one socket
  // per player), and neither reference limits anything, so the comparison measures the same work.
  const server = createServer({ store, openRooms: true, limits: RATE_LIMITS_OFF, ...(evictAfterMs === undefined ? {} : { evictAfterMs }) });
  // As `npm start` does (apps/server/src/main.ts), with its switch.
  if (process.env.MEMORY_RECLAIM_MB !== 'off') startMemoryReclaimer(silentLogger);
  await server.listen(port, host);
  const listeningSince = performance.now();
  const actualPort = Number(new URL(server.url).port);
  if (!actualPort) throw new Error(`could not read the port from ${server.url}`);
  const token = await devLogin(server.url);
  return { port: actualPort, token, listeningSince, rooms: () => server.metrics().rooms, storeMemoryBytes: () => store.leveldbMemoryBytes() };
});
