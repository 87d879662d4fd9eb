export { SessionClient, roomName, TABLE_DOC, type SessionClientOptions, type SessionClientEvents } from './session-client.ts';
export { DocSync, PENDING_META_KEY, isRetryable, type DocSyncOptions, type DocSyncEvents, type WebSocketConstructor } from './doc-sync.ts';
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
