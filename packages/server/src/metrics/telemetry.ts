/**
 * What the server's modules report for its metrics (docs/operations.md,
 * "Metrics and alerts"). Modules see this interface only; the Prometheus
 * implementation (prometheus-telemetry.ts) turns the reports into series.
 * Times are `performance.now()` readings.
 */
export interface Telemetry {
  /** `frames` server-to-client frames were offered to a socket. */
  framesAttempted(frames: number): void;
  /** `frames` frames were written to a socket's TCP stream. */
  framesDelivered(frames: number): void;
  /** `frames` frames offered to a socket were never written. */
  framesDropped(reason: DropReason, frames: number): void;
  /** A client update that arrived at `receivedAt` has been written to this process's sockets (`fanout`) or its `saved` has (`saved`). */
  syncLatency(stage: SyncStage, receivedAt: number): void;
  /** A socket that came back holding the document got its sync step 2; its upgrade request arrived at `upgradeAt`. */
  reconnectRecovered(upgradeAt: number): void;
  driftIncident(kind: DriftKind): void;
  /** The sequencer of `sessionId` judged an intent (resends answered from memory are not judged again). */
  intentJudged(sessionId: string, outcome: IntentOutcome): void;
  /** `bytes` were appended to a session's event log. */
  eventLogAppended(record: LogRecord, bytes: number): void;
  /** `bytes` of document updates were appended to the store. */
  docUpdatesStored(bytes: number): void;
  lease(change: LeaseChange, sessionId: string): void;
  rateLimited(limit: RateLimitName): void;
  /** A client update the table's write rules refused; `rule` is the rule's id, null when the update could not be judged at all. */
  writeRefused(rule: string | null): void;
}

export type DropReason =
  /** The socket was closed, or closing, before the frame was written. */
  | 'closed'
  /** The socket was cut off as a slow consumer ([P12] in docs/protocol.md). */
  | 'slow-consumer';

export type SyncStage = 'fanout' | 'saved';

export type DriftKind =
  /** A client with the checksum feature asked for a second sync of a room it had synced: its drift detector fired. */
  | 'client-resync'
  /** A session document loaded without effects its event log holds, and they were replayed ([EL9], [EL18]). */
  | 'log-replay'
  /** A document update another process published failed to apply here. */
  | 'peer-update-failed'
  /** A peer process's copy of a room lacked, a round later still, what this process's held: sent again ([OR4]). */
  | 'peer-behind'
  /** A room held changes no write was known to have stored two rounds on: stored by this process ([OR5]). */
  | 'unstored';

export type IntentOutcome =
  /** Logged: applied, or waiting for the GM's approval. */
  | 'accepted'
  /** Refused because the state changed under it: a stale `expected` version, an entity locked by a pending approval, or an effect that no longer applied ([EL6]). */
  | 'conflict'
  /** Refused for anything else: schema, rules, permissions. */
  | 'refused';

export type LogRecord = 'entry' | 'rejection';

export type LeaseChange =
  | 'acquired'
  | 'released'
  /** Lost without releasing it: expired, or taken by another process. */
  | 'lost'
  /** Acquired after the holder did not answer a forwarded request: a failover seen from the process that took over. */
  | 'takeover';

export type RateLimitName =
  | 'connections-per-ip'
  | 'connections-per-user'
  | 'upgrades-per-ip'
  | 'upgrades-per-user'
  | 'socket-messages'
  | 'intents-per-user'
  | 'session-queue';
