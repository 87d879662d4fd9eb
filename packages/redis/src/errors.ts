/** Something the Redis bus could not do; `cause` is the client's error where there is one. */
export class RedisBusError extends Error {
  override readonly name: string = 'RedisBusError';
}

/**
 * A stream entry or pub/sub message this bus cannot read (written by another
 * program, another version, or damaged): reported and skipped, never a stop
 * of the fan-out ([RS4] in docs/architecture.md).
 */
export class MalformedEntryError extends RedisBusError {
  override readonly name = 'MalformedEntryError';
  constructor(
    readonly key: string,
    readonly id: string,
    reason: string,
  ) {
    super(`malformed bus entry ${id} in ${key}: ${reason}`);
  }
}

/** A lease script answered what no version of it answers: the lease does not guess. */
export class RedisLeaseError extends Error {
  override readonly name = 'RedisLeaseError';
}
