export { SessionClient, roomName, type SessionClientOptions, type SessionClientEvents } from './session-client.ts';
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
