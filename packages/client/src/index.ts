// The app's entry: what a UI builds on. Internals (the sync machinery, the
// queue, the overlay, the wire helpers) are in `@dungeon-lab/client/internal`,
// for tests and benchmarks; the file persistence for Node in `./node`.
export {
  SessionClient,
  TABLE_DOC,
  GM_DOC,
  roomName,
  type SessionClientOptions,
  type SessionClientEvents,
  type DocRefusal,
  type SessionIdentity,
} from './session-client.ts';
export {
  SessionApi,
  isRedacted,
  type SessionApiOptions,
  type ApiResult,
  type DevLogin,
  type CreatedSession,
  type SessionInfo,
  type SessionMember,
  type SessionSummary,
  type LoggedEvent,
  type RedactedEvent,
  type EventPage,
  type CheckpointInfo,
  type RestoredCheckpoint,
  type AssetInfo,
} from './session-api.ts';
// A session's images: the types a GM may upload and the one URL path of each image (the cache key).
export { ASSET_TYPES, assetPath, isAssetType, type AssetType } from '@dungeon-lab/protocol';
export { SyncState } from './sync-state.ts';
export type { ReadableValue } from './readable-value.ts';
export { indexedDbPersistence, hasIndexedDb } from './indexeddb-persistence.ts';
export { memoryPersistence, MemoryPersistenceStore } from './memory-persistence.ts';
export type { DocPersistence, DocPersistenceFactory } from './persistence.ts';
export { clearLocalData, type ClearLocalDataOptions } from './local-data.ts';
export { decodeJwtClaims, type JwtClaims } from './jwt-claims.ts';
export type { EventLogClient, EventLogEvents, EventQueueTiming, SubmitOptions, Submitted } from './event-log-client.ts';
export type { PendingIntent, PendingIntentState, ApprovalDecision } from './event-queue.ts';
export type { AuditEntry, AuditSource } from './audit-log.ts';
export type { TokenSource, TokenTransport } from './connection-credentials.ts';
export type { BackoffOptions, RandomSource } from './backoff.ts';
export type { WebSocketConstructor } from './sidecar-channel.ts';
export type { DriftReason } from './drift-detector.ts';
export type { Refusal } from './access-probe.ts';
export type { WriteDenial } from './write-denial-recovery.ts';
// What the client's values and events carry, defined by the shared model.
export type { Ack, ApprovalRequest, ApprovalResolution, JsonObject, JsonValue, LogEntry, SessionRole } from '@dungeon-lab/events';
