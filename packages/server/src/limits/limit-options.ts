import type { RateLimit } from './token-bucket.ts';

/**
 * Flood limits (docs/security.md, "Limits"). Counts and rates accept
 * `Infinity` to turn one off; every default leaves room for a legitimate
 * table — a player dragging a token sends about 60 updates and 60 awareness
 * changes a second, and a restart makes every tab of every player reconnect
 * at once.
 */
export interface LimitOptions {
  /** Sockets one user may hold open at once, upgrades in progress included ([F1]). */
  readonly connectionsPerUser: number;
  /** Sockets one client address may hold open at once, upgrades in progress included ([F1]). */
  readonly connectionsPerIp: number;
  /** New upgrades per user ([F2]). */
  readonly upgradesPerUser: RateLimit;
  /** New upgrades per client address, counted before the token is even looked at ([F2]). */
  readonly upgradesPerIp: RateLimit;
  /** Messages one socket may send ([F3]). */
  readonly messagesPerConnection: RateLimit;
  /** Bytes one socket may send ([F3]). */
  readonly bytesPerConnection: RateLimit;
  /** How long a socket may stay over its message or byte rate (throttled) before it is closed with RateLimited ([F3]). */
  readonly rateLimitGraceMs: number;
  /** Awareness messages one socket may have relayed; the excess is dropped, never closed on ([F4]). */
  readonly awarenessPerConnection: RateLimit;
  /** Awareness bytes one socket may have relayed ([F4]). */
  readonly awarenessBytesPerConnection: RateLimit;
  /**
   * Sync step 1 messages one socket may have answered; beyond it the newest per
   * room waits ([F8]). Each answer costs up to an encoding of the whole document.
   */
  readonly syncRequestsPerConnection: RateLimit;
  /** Largest HTTP request head (request line and headers), the upgrade's included ([F6]). */
  readonly maxHeaderBytes: number;
  /** Time a client has to send a complete request head ([F6]). */
  readonly headersTimeoutMs: number;
  /** Bytes a client may send after its upgrade request before the server has answered it ([F6]). */
  readonly maxPendingUpgradeBytes: number;
  /**
   * The client address is the last entry of `X-Forwarded-For` (the one the
   * proxy in front of the server appended) instead of the socket's peer.
   * Only behind a proxy that sets it: otherwise any client can claim any address.
   */
  readonly trustProxy: boolean;
  /** Permission denials audited per session and user; beyond it they are counted, not stored one by one ([AL4]). */
  readonly auditDenials: RateLimit;
}

const MIB = 1024 * 1024;
const KIB = 1024;

export const DEFAULT_LIMITS: LimitOptions = {
  connectionsPerUser: 32,
  connectionsPerIp: 128,
  upgradesPerUser: { burst: 20, perSecond: 2 },
  upgradesPerIp: { burst: 60, perSecond: 10 },
  messagesPerConnection: { burst: 300, perSecond: 300 },
  bytesPerConnection: { burst: 16 * MIB, perSecond: 2 * MIB },
  rateLimitGraceMs: 2_000,
  awarenessPerConnection: { burst: 120, perSecond: 60 },
  awarenessBytesPerConnection: { burst: 256 * KIB, perSecond: 64 * KIB },
  syncRequestsPerConnection: { burst: 32, perSecond: 1 },
  maxHeaderBytes: 16 * KIB,
  headersTimeoutMs: 10_000,
  maxPendingUpgradeBytes: 64 * KIB,
  trustProxy: false,
  auditDenials: { burst: 50, perSecond: 0.5 },
};

const OFF: RateLimit = { burst: Infinity, perSecond: Infinity };

/**
 * Every count and rate limit off, size limits kept: for benchmarks and tests
 * that drive one user's or one address's traffic far beyond a real table's.
 */
export const RATE_LIMITS_OFF: Partial<LimitOptions> = {
  connectionsPerUser: Infinity,
  connectionsPerIp: Infinity,
  upgradesPerUser: OFF,
  upgradesPerIp: OFF,
  messagesPerConnection: OFF,
  bytesPerConnection: OFF,
  awarenessPerConnection: OFF,
  awarenessBytesPerConnection: OFF,
  syncRequestsPerConnection: OFF,
  auditDenials: OFF,
};

export class LimitConfigError extends Error {
  override readonly name = 'LimitConfigError';
}

export function resolveLimits(partial: Partial<LimitOptions> | undefined): LimitOptions {
  const limits: LimitOptions = { ...DEFAULT_LIMITS, ...partial };
  for (const key of ['connectionsPerUser', 'connectionsPerIp', 'rateLimitGraceMs', 'maxPendingUpgradeBytes'] as const) {
    if (!(limits[key] >= 0)) throw new LimitConfigError(`limits.${key} must be ≥ 0 (Infinity turns it off)`);
  }
  for (const key of ['maxHeaderBytes', 'headersTimeoutMs'] as const) {
    // Node needs finite values for these two.
    if (!Number.isSafeInteger(limits[key]) || limits[key] <= 0) throw new LimitConfigError(`limits.${key} must be a positive integer`);
  }
  for (const key of [
    'upgradesPerUser',
    'upgradesPerIp',
    'messagesPerConnection',
    'bytesPerConnection',
    'awarenessPerConnection',
    'awarenessBytesPerConnection',
    'syncRequestsPerConnection',
    'auditDenials',
  ] as const) {
    const { burst, perSecond } = limits[key];
    if (!(burst >= 1) || !(perSecond > 0)) throw new LimitConfigError(`limits.${key} needs burst ≥ 1 and perSecond > 0`);
  }
  return limits;
}
