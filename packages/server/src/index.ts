export { createServer, type DungeonLabServer, type ServerMetrics } from './server.ts';
export type { ReadinessCheck } from './health/readiness-check.ts';
export { evaluateReadiness, type ReadinessReport } from './health/readiness.ts';
export { type ServerOptions, type CompactionOptions, type EventLogOptions, DEFAULT_OPTIONS } from './options.ts';
export {
  type BusChannel,
  type BusHandler,
  type BusMessage,
  type RoomBus,
  type RoomMessage,
  type SessionMessage,
  type SubscribeOptions,
  type Unsubscribe,
  type WriteTicket,
  channelKey,
  channelOf,
  roomChannel,
  sessionChannel,
} from './bus/room-bus.ts';
export { type BusErrorReporter, callHandlers, InProcessBus, type InProcessBusOptions, InProcessHub, type InProcessHubOptions } from './bus/in-process-bus.ts';
export type { EventLogNotice, SocketRef } from './event-log/event-log-notice.ts';
export type { MembershipChange } from './sessions/membership.ts';
export type { LeaseGrant, SessionLease } from './lease/session-lease.ts';
export { InProcessLease, type InProcessLeaseOptions, LeaseTable } from './lease/in-process-lease.ts';
export type { ForwardedIntents, HolderAnswer, HolderHandler, HolderInbox, HolderRequest } from './inbox/holder-inbox.ts';
export { InboxDesk, InProcessInbox, type InProcessInboxOptions } from './inbox/in-process-inbox.ts';
export { LogUnavailableError } from './event-log/acks.ts';
export { type WebAppOptions } from './web/web-app.ts';
export { type AssetLimits } from './assets/assets-http-api.ts';
export { type WriteDenial } from './write-rules/write-guard.ts';
export { WRITE_RULES, type WriteRule, type WriteOp, type Writer } from './write-rules/rules-table.ts';
export { type Logger, silentLogger } from './logger.ts';
export { type LimitOptions, DEFAULT_LIMITS, RATE_LIMITS_OFF, LimitConfigError } from './limits/limit-options.ts';
export type { RateLimit } from './limits/token-bucket.ts';
export {
  type Audit,
  type AuditEntry,
  type AuditInput,
  type AuditOutcome,
  type AuditValue,
  AuditAction,
} from './audit/audit-entry.ts';
export {
  type AuthOptions,
  type DevelopmentAuthOptions,
  type ProductionAuthOptions,
  AuthConfigError,
  DEFAULT_DEV_TOKEN_TTL_SECONDS,
} from './auth/auth-options.ts';
export { SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX, TOKEN_QUERY_PARAM } from './auth/credentials.ts';
export { DEV_LOGIN_PATH } from './auth/dev-login-route.ts';
export { DEV_ISSUER, DEV_AUDIENCE } from './auth/dev-tokens.ts';
export { type MemoryReclaimer, startMemoryReclaimer } from './memory/memory-reclaimer.ts';
export { type MemoryReclaimOptions, DEFAULT_MEMORY_RECLAIM } from './memory/reclaim-policy.ts';
export { type MetricsOptions } from './metrics/metrics-options.ts';
export { commandTimer } from './metrics/command-latency.ts';
export { LATENCY_BUCKETS } from './metrics/buckets.ts';
export { METRICS_PATH, METRICS_JSON_PATH } from './metrics/metrics-routes.ts';
export type { CommandTimer } from '@dungeon-lab/store';
/** The registry type `metrics.registry` takes: prom-client's, re-exported so an embedder needs no copy of its own. */
export { Registry } from 'prom-client';
