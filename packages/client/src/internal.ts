// Internals of the client (`@dungeon-lab/client/internal`): the parts the
// SessionClient is made of, for tests, benchmarks and tools. Apps use the
// main entry; nothing here is a stable API.
export { SidecarChannel, type ChannelClose, type ChannelStatus, type SidecarChannelEvents, type SidecarChannelOptions } from './sidecar-channel.ts';
export { DocSync, PENDING_META_KEY, isRetryable, type DocSyncOptions, type DocSyncEvents } from './doc-sync.ts';
export { SYNC_EVENTS, nextSyncState, aggregateSyncState, type SyncEvent } from './sync-state.ts';
export { DEFAULT_BACKOFF, backoffDelay, backoffCeiling, resolveBackoff } from './backoff.ts';
export { DriftDetector } from './drift-detector.ts';
export { PendingChanges, localChange, serializePending, parsePending, type PendingEntry } from './pending-changes.ts';
export { PERSISTENCE_ORIGIN } from './persistence.ts';
export { MemoryDocPersistence } from './memory-persistence.ts';
export { IndexedDbDocPersistence } from './indexeddb-persistence.ts';
export { DEFAULT_STORAGE_PREFIX, docStorageName, userStoragePrefix } from './local-data.ts';
export { createValue, derivedValue, type WritableValue } from './readable-value.ts';
export { lazyValue, type LazyValue } from './lazy-value.ts';
export { EventEmitter, type EventMap } from './event-emitter.ts';
export { type StateVector } from './state-vector.ts';
export { EventLogClient, ANONYMOUS_USER, DEFAULT_GAP_GRACE_MS, type ClientIdentity, type EventLogClientOptions } from './event-log-client.ts';
export {
  EventQueue,
  DEFAULT_BATCH_WINDOW_MS,
  DEFAULT_MAX_BATCH,
  DEFAULT_RETRY_DELAYS_MS,
  type EventQueueEvents,
  type EventQueueOptions,
  type StoredIntent,
} from './event-queue.ts';
export { INTENTS_META_KEY, LAST_SEQUENCE_META_KEY, serializeIntents, parseIntents, parseLastSequence } from './event-log-meta.ts';
export { applyPredictions, planOverlay, type OverlayItem, type OverlayPlan, type PredictionContext, type SkippedPrediction } from './prediction-overlay.ts';
export { SequenceTracker } from './sequence-tracker.ts';
export { SequenceSet } from './sequence-set.ts';
export { parseWriteDenial, recoverFromWriteDenials, type RecoveryOptions } from './write-denial-recovery.ts';
export {
  connectionCredentials,
  readToken,
  SUBPROTOCOL,
  TOKEN_SUBPROTOCOL_PREFIX,
  TOKEN_QUERY_PARAM,
  type ConnectionSettings,
} from './connection-credentials.ts';
export { refusalFromProbe } from './access-probe.ts';
export { AuditLog, DEFAULT_LOG_LIMIT, auditEntryFromLog, auditEntryFromRest } from './audit-log.ts';
export { OpenApprovals } from './open-approvals.ts';
export { GameSystems } from './game-systems.ts';
export { httpBaseUrl } from './session-api.ts';
