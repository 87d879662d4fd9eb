import { randomUUID } from 'node:crypto';
import type { CommandTimer, LeaseGrant, SessionLease } from '@dungeon-lab/server';
import type { RedisConnection } from './connection.ts';
import { RedisLeaseError } from './errors.ts';
import { timed } from './timed.ts';

export interface RedisLeaseOptions {
  /** A connected client; the caller closes it after the lease. */
  readonly client: RedisConnection;
  /** Prefix of the lease and epoch keys ([RS1]); the bus's prefix. Default `dl`. */
  readonly prefix?: string;
  /** Unrenewed grants expire after this long ([SL5]). Default 3 s, so a dead holder is replaced within the 5 s a takeover may take; the server renews every second. */
  readonly ttlMs?: number;
  /** This process's id in the lease's value; a random UUID by default. */
  readonly holder?: string;
  /** Hears how long each command took (the server's `commandTimer(registry, 'redis')`); none by default. */
  readonly timer?: CommandTimer;
}

/**
 * Takes a free lease: a new epoch from the session's counter (INCR, never
 * reset, so epochs only grow, [SL1]) and `<holder>:<epoch>` with a ttl, in
 * one script, so no two processes can take the same epoch. A lease held by
 * another process is answered with its value, and so is the grant this
 * process holds (ARGV[3]): the holder asking again gets its grant ([SL3]).
 * A grant naming this process that it does not hold — taken by an acquire
 * whose answer never came, or renewed by a renew it had given up on, after
 * it counted the lease lost — is nobody's: it is replaced at once by a new
 * epoch for this process, instead of keeping the session from every process
 * until it expires ([RL5]).
 */
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current and (current == ARGV[3] or string.sub(current, 1, string.len(ARGV[1]) + 1) ~= ARGV[1] .. ':') then return {0, current} end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. epoch, 'PX', ARGV[2])
return {1, tostring(epoch)}
`;

/** Extends the lease only while it still holds this very grant (holder and epoch: the fence, [SL6]). */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Frees the lease only while it still holds this very grant ([SL6]). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The session lease on Redis ([SL1]..[SL7], [RL1]..[RL4] in
 * docs/architecture.md): `<prefix>:lease:<session>` holds `<holder>:<epoch>`
 * with a ttl, `<prefix>:epoch:<session>` the session's last epoch. Every
 * change is a Lua script that checks holder and epoch, so a process whose
 * grant expired can never renew or free the next holder's. The scripts are
 * sent with EVAL: a Redis restarted has no script cache, and EVAL never
 * answers NOSCRIPT.
 */
export class RedisLease implements SessionLease {
  readonly ttlMs: number;
  readonly holder: string;
  readonly #client: RedisConnection;
  readonly #prefix: string;
  /** The epoch this process believes it holds, per session, and when Redis last confirmed it: a loss is reported once. */
  readonly #held = new Map<string, { readonly epoch: number; confirmedAt: number }>();
  readonly #listeners = new Set<(grant: LeaseGrant) => void>();
  readonly #timer: CommandTimer | undefined;

  constructor(options: RedisLeaseOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'dl';
    this.ttlMs = options.ttlMs ?? 3_000;
    this.holder = options.holder ?? randomUUID();
    this.#timer = options.timer;
    if (this.holder.includes(':')) throw new RedisLeaseError(`a holder id may not contain ":" (${this.holder})`);
  }

  async acquire(sessionId: string): Promise<LeaseGrant | null> {
    const held = this.#held.get(sessionId);
    const asked = Date.now();
    const reply = await this.#eval(
      ACQUIRE,
      [this.#leaseKey(sessionId), this.#epochKey(sessionId)],
      [this.holder, String(this.ttlMs), held === undefined ? '' : this.#value({ sessionId, epoch: held.epoch })],
    );
    if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[1] !== 'string') throw new RedisLeaseError(`acquire answered ${JSON.stringify(reply)}`);
    const [granted, value] = reply as [unknown, string];
    if (granted === 1) {
      const grant = { sessionId, epoch: parseEpoch(value) };
      this.#held.set(sessionId, { epoch: grant.epoch, confirmedAt: asked });
      return grant;
    }
    // Another process's, or the grant held here (the script replaces any other of this process's).
    return held !== undefined && value === this.#value({ sessionId, epoch: held.epoch }) ? { sessionId, epoch: held.epoch } : null;
  }

  async renew(grant: LeaseGrant): Promise<boolean> {
    // Released, or lost and reported: never held again, whatever Redis would say (or whether it answers).
    if (this.#held.get(grant.sessionId)?.epoch !== grant.epoch) return false;
    const asked = Date.now();
    let renewed: boolean;
    try {
      renewed = (await this.#eval(RENEW, [this.#leaseKey(grant.sessionId)], [this.#value(grant), String(this.ttlMs)])) === 1;
    } catch (err) {
      // Redis unreachable: past the ttl since it last confirmed the grant, another process may hold it — this one stops ([RL3]).
      const held = this.#held.get(grant.sessionId);
      if (held !== undefined && held.epoch === grant.epoch && asked - held.confirmedAt >= this.ttlMs) {
        this.#lose(grant);
        return false;
      }
      throw new RedisLeaseError(`renewing the lease of ${grant.sessionId} failed`, { cause: err });
    }
    const held = this.#held.get(grant.sessionId);
    if (renewed && held?.epoch === grant.epoch) held.confirmedAt = asked;
    if (!renewed) this.#lose(grant);
    return renewed;
  }

  async release(grant: LeaseGrant): Promise<void> {
    await this.#eval(RELEASE, [this.#leaseKey(grant.sessionId)], [this.#value(grant)]);
    if (this.#held.get(grant.sessionId)?.epoch === grant.epoch) this.#held.delete(grant.sessionId);
  }

  onLost(listener: (grant: LeaseGrant) => void): () => void {
    // Wrapped: the same listener registered twice is called twice, and each registration ends on its own.
    const registration = (grant: LeaseGrant) => listener(grant);
    this.#listeners.add(registration);
    return () => {
      this.#listeners.delete(registration);
    };
  }

  async close(): Promise<void> {
    await Promise.all(Array.from(this.#held, ([sessionId, { epoch }]) => this.release({ sessionId, epoch })));
    this.#listeners.clear();
  }

  #lose(grant: LeaseGrant): void {
    if (this.#held.get(grant.sessionId)?.epoch !== grant.epoch) return;
    this.#held.delete(grant.sessionId);
    for (const listener of this.#listeners) listener(grant);
  }

  #value(grant: LeaseGrant): string {
    return `${this.holder}:${grant.epoch}`;
  }

  #leaseKey(sessionId: string): string {
    return `${this.#prefix}:lease:${sessionId}`;
  }

  #epochKey(sessionId: string): string {
    return `${this.#prefix}:epoch:${sessionId}`;
  }

  /**
   * Runs a script, given up after half a ttl: while Redis is unreachable or
   * the link is silent (a partition: no reset, no answer) the client would
   * hold the command until it is back, and a holder must learn in time that
   * it can no longer renew ([RL3]). node-redis's own `timeout` covers only
   * the wait to be sent (it keeps an unsent script from running late); the
   * wait for the answer is bounded here. A script given up may still run
   * when the link comes back: the scripts are fenced for that ([RL2], [RL5]).
   */
  #eval(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const limitMs = Math.max(1, Math.floor(this.ttlMs / 2));
    return timed(this.#timer, 'EVAL', () =>
      new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new RedisLeaseError(`Redis did not answer within ${limitMs} ms`)), limitMs);
        this.#client.sendCommand(['EVAL', script, String(keys.length), ...keys, ...args], { timeout: limitMs }).then(
          (reply) => {
            clearTimeout(timer);
            resolve(reply);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err instanceof Error ? err : new RedisLeaseError(String(err)));
          },
        );
      }),
    );
  }
}

function parseEpoch(text: string): number {
  const epoch = Number(text);
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw new RedisLeaseError(`epoch ${JSON.stringify(text)} is not a positive integer`);
  return epoch;
}
