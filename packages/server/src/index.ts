export { createServer, type DungeonLabServer, type ServerMetrics } from './server.ts';
export { type ServerOptions, type CompactionOptions, DEFAULT_OPTIONS } from './options.ts';
export { type Logger, silentLogger } from './logger.ts';
