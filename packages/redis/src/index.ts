export { type ConnectOptions, type RedisConnection, closeRedis, connectRedis } from './connection.ts';
export { RedisBus, type RedisBusErrorReporter, type RedisBusOptions } from './redis-bus.ts';
export { MalformedEntryError, RedisBusError, RedisLeaseError } from './errors.ts';
export { RedisLease, type RedisLeaseOptions } from './redis-lease.ts';
export { RedisInbox, type RedisInboxOptions } from './redis-inbox.ts';
