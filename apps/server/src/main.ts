import { statSync } from 'node:fs';
import { AuthConfigError, LimitConfigError, Registry, createServer, startMemoryReclaimer, type DungeonLabServer, type ReadinessCheck } from '@dungeon-lab/server';
import { pino } from 'pino';
import { openBackends, type Backends } from './backends.ts';
import { ConfigError, configFromEnv } from './config.ts';
import { listenWhileStarting } from './starting-listener.ts';

/** Dice that take the given draws in turn, again and again (`DICE_FIXED`). */
function cycle(draws: readonly number[]): () => number {
  let next = 0;
  return () => draws[next++ % draws.length]!;
}

async function main(): Promise<void> {
  let config;
  try {
    config = configFromEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel });
  // A server without a built app (the app not built yet, a deployment that serves it elsewhere) still runs: the API alone.
  const webFound = statSync(config.webRoot, { throwIfNoEntry: false })?.isDirectory() === true;
  if (!webFound) logger.warn({ webRoot: config.webRoot }, 'web app not found: serving the API only (build apps/web or set WEB_ROOT)');
  // The port answers from the first moment, unready, while the backends are waited for ([OPS4]).
  const startup = new Map<string, string>();
  const startupChecks = (): ReadinessCheck[] =>
    Array.from(startup, ([name, state]) => ({
      name,
      probe: async () => {
        if (state !== 'ok') throw new Error(state);
      },
    }));
  const starting = await listenWhileStarting(config.port, config.host, startupChecks);
  process.stdout.write(`starting on ${starting.url}\n`);

  // What a signal stops: the start while it waits, then the running server ([OPS3]).
  let running: { server: DungeonLabServer; backends: Backends } | null = null;
  let stopping = false;
  let reclaimer: ReturnType<typeof startMemoryReclaimer> | null = null;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    reclaimer?.stop();
    if (running === null) {
      logger.info({ signal }, 'stopped while starting');
      void starting.close().then(() => process.exit(0));
      return;
    }
    const { server, backends } = running;
    // Unready first, still serving, so the load balancer takes this replica out before anything closes.
    server.drain();
    logger.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down: unready, draining');
    new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs))
      .then(() => {
        logger.info('closing sockets (ServiceRestart), flushing rooms, releasing session leases');
        return server.close();
      })
      .then(() => backends.close())
      .then(
        () => {
          logger.info('shutdown complete');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err: String(err) }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  // Created first: the backends time their commands into it, and the server serves it at /metrics.
  const metricsRegistry = new Registry();
  const backends = await openBackends(
    config,
    logger,
    (service, state) => {
      if (state === 'ok' && startup.get(service) !== 'ok') logger.info({ service }, `${service} reachable`);
      startup.set(service, state);
    },
    metricsRegistry,
    () => stopping,
  );
  if (stopping) {
    await backends.close();
    return;
  }
  let server;
  try {
    server = createServer({
      store: backends.store,
      bus: backends.bus,
      lease: backends.lease,
      inbox: backends.inbox,
      logger,
      evictAfterMs: config.evictAfterMs,
      checksumIntervalMs: config.checksumIntervalMs,
      auth: config.auth,
      openRooms: config.openRooms,
      maxMessageBytes: config.maxMessageBytes,
      maxUpdateBytes: config.maxUpdateBytes,
      limits: config.limits,
      plugins: config.gameSystems,
      eventLog: { rateLimit: config.intentRate },
      assets: config.assets,
      readiness: backends.readiness,
      metrics: { registry: metricsRegistry, backends: backends.readiness },
      ...(config.diceFixed === null ? {} : { random: cycle(config.diceFixed) }),
      ...(webFound ? { web: { root: config.webRoot } } : {}),
    });
  } catch (err) {
    if (err instanceof AuthConfigError || err instanceof LimitConfigError) {
      console.error(`configuration error: ${err.message}`);
      await backends.close();
      process.exit(2);
    }
    throw err;
  }
  if (config.auth.mode === 'development') {
    // Anyone who can reach the server can log in as anyone: fine on a laptop, not on a network.
    logger.warn({ host: config.host }, 'development auth: POST /api/dev/login issues a token for any name; set AUTH_MODE=production to deploy');
  }
  if (config.diceFixed !== null) logger.warn({ draws: config.diceFixed }, 'DICE_FIXED: every roll is predetermined (for tests only)');
  reclaimer = config.memoryReclaimBytes === null ? null : startMemoryReclaimer(logger, { afterBytes: config.memoryReclaimBytes });
  // The port changes hands: the starting listener lets go, the server takes the same one (PORT=0 included).
  await starting.close();
  await server.listen(starting.port, config.host);
  running = { server, backends };
  logger.info(
    {
      url: server.url,
      // The database's name, never MONGO_URL: a connection string may carry a password.
      store: config.mongo === null ? { level: config.dataDir } : { mongodb: config.mongo.dbName },
      auth: config.auth.mode,
      openRooms: config.openRooms,
      gameSystems: config.gameSystems.map((p) => p.id),
      webRoot: webFound ? config.webRoot : null,
    },
    'server started',
  );
  // The one line a person starting the server looks for.
  process.stdout.write(`listening on ${server.url}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
