import { statSync } from 'node:fs';
import { AuthConfigError, LimitConfigError, Registry, createServer, startMemoryReclaimer } from '@dungeon-lab/server';
import { pino } from 'pino';
import { openBackends } from './backends.ts';
import { ConfigError, configFromEnv } from './config.ts';

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
  // Created first: the backends time their commands into it, and the server serves it at /metrics.
  const metricsRegistry = new Registry();
  const backends = await openBackends(config, logger, metricsRegistry);
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
      metrics: { registry: metricsRegistry, backends: backends.probes },
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
  const reclaimer = config.memoryReclaimBytes === null ? null : startMemoryReclaimer(logger, { afterBytes: config.memoryReclaimBytes });
  await server.listen(config.port, config.host);
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

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    reclaimer?.stop();
    logger.info({ signal }, 'shutting down: flushing rooms');
    server
      .close()
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
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
