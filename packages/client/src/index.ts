export {
  SessionClient,
  roomName,
  TABLE_DOC,
  type SessionClientOptions,
  type SessionClientEvents,
  type DocRefusal,
  type SessionIdentity,
} from './session-client.ts';
export {
  SessionApi,
  httpBaseUrl,
  type SessionApiOptions,
  type ApiResult,
  type DevLogin,
  type CreatedSession,
  type SessionInfo,
  type SessionMember,
  type LoggedEvent,
  type RedactedEvent,
  isRedacted,
  type EventPage,
  type CheckpointInfo,
  type RestoredCheckpoint,
} from './session-api.ts';
export {
  connectionCredentials,
  readToken,
  SUBPROTOCOL,
  TOKEN_SUBPROTOCOL_PREFIX,
  TOKEN_QUERY_PARAM,
  type TokenSource,
  type TokenTransport,
  type ConnectionSettings,
} from './connection-credentials.ts';
export { decodeJwtClaims, type JwtClaims } from './jwt-claims.ts';
export { refusalFromProbe, type Refusal } from './access-probe.ts';
export { AuditLog, DEFAULT_LOG_LIMIT, auditEntryFromLog, auditEntryFromRest, type AuditEntry, type AuditSource } from './audit-log.ts';
export { OpenApprovals } from './open-approvals.ts';
export { GameSystems } from './game-systems.ts';
export { DocSync, PENDING_META_KEY, isRetryable, type DocSyncOptions, type DocSyncEvents } from './doc-sync.ts';
export { SidecarChannel, type WebSocketConstructor, type ChannelStatus, type ChannelClose, type SidecarChannelEvents } from './sidecar-channel.ts';
export { SyncState, SYNC_EVENTS, nextSyncState, aggregateSyncState, type SyncEvent } from './sync-state.ts';
export {
  DEFAULT_BACKOFF,
  backoffDelay,
  backoffCeiling,
  resolveBackoff,
  type BackoffOptions,
  type RandomSource,
} from './backoff.ts';
export { DriftDetector, type DriftReason } from './drift-detector.ts';
export {
  PendingChanges,
  localChange,
  serializePending,
  parsePending,
  type PendingEntry,
} from './pending-changes.ts';
export { PERSISTENCE_ORIGIN, type DocPersistence, type DocPersistenceFactory } from './persistence.ts';
export { MemoryDocPersistence, MemoryPersistenceStore, memoryPersistence } from './memory-persistence.ts';
export { IndexedDbDocPersistence, indexedDbPersistence, hasIndexedDb } from './indexeddb-persistence.ts';
export { createValue, derivedValue, type ReadableValue, type WritableValue } from './readable-value.ts';
export { EventEmitter, type EventMap } from './event-emitter.ts';
export { type StateVector } from './state-vector.ts';
export {
  EventLogClient,
  ANONYMOUS_USER,
  DEFAULT_GAP_GRACE_MS,
  type ClientIdentity,
  type EventLogClientOptions,
  type EventLogEvents,
  type EventQueueTiming,
  type SubmitOptions,
  type Submitted,
} from './event-log-client.ts';
export {
  EventQueue,
  DEFAULT_BATCH_WINDOW_MS,
  DEFAULT_MAX_BATCH,
  DEFAULT_RETRY_DELAYS_MS,
  type ApprovalDecision,
  type EventQueueEvents,
  type EventQueueOptions,
  type PendingIntent,
  type PendingIntentState,
  type StoredIntent,
} from './event-queue.ts';
export { INTENTS_META_KEY, LAST_SEQUENCE_META_KEY, serializeIntents, parseIntents, parseLastSequence } from './event-log-meta.ts';
export { applyPredictions, planOverlay, type OverlayItem, type OverlayPlan, type PredictionContext, type SkippedPrediction } from './prediction-overlay.ts';
export { SequenceTracker } from './sequence-tracker.ts';
export { SequenceSet } from './sequence-set.ts';
export { lazyValue, type LazyValue } from './lazy-value.ts';
export { type WriteDenial, parseWriteDenial, recoverFromWriteDenials, type RecoveryOptions } from './write-denial-recovery.ts';
