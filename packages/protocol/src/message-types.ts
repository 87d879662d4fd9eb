/**
 * Message numbers on the wire. 0–3 are y-websocket's own and must never change;
 * everything above is the Dungeon Lab sidecar, sent only to connections that
 * announced they understand it (see `docs/protocol.md` [P3]).
 */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  // Sidecar: connection and document state.
  Hello: 10,
  Saved: 11,
  Checksum: 12,
  Room: 13,
  RoomLeave: 14,
  Error: 15,
  ClientId: 16,
  // Sidecar: the sequenced event log (reserved; payloads defined by the event-log spec).
  IntentSubmit: 20,
  IntentAck: 21,
  EventApplied: 22,
  Conflict: 23,
  ApprovalRequested: 24,
  ApprovalResolved: 25,
  CatchUpRequest: 26,
  CatchUpResponse: 27,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Sub-types of a `Sync` message, as in y-protocols/sync. */
export const SyncStep = {
  Step1: 0,
  Step2: 1,
  Update: 2,
} as const;
export type SyncStep = (typeof SyncStep)[keyof typeof SyncStep];

/** Sub-type of an `Auth` message, as in y-protocols/auth. */
export const AuthKind = {
  PermissionDenied: 0,
} as const;

/**
 * Version of the sidecar protocol. A client announces the version it speaks;
 * the server refuses a different major version with `CloseCode.UnsupportedVersion`.
 */
export const PROTOCOL_VERSION = 1;

/** Query parameter a sidecar-capable client adds to the room URL, carrying its PROTOCOL_VERSION. */
export const SIDECAR_QUERY_PARAM = 'dl';

/** Sidecar feature bits a client may announce in `hello`. */
export const Feature = {
  /** Wants `saved` messages (durably persisted state vectors). */
  Saved: 1 << 0,
  /** Wants periodic `checksum` messages for drift detection. */
  Checksum: 1 << 1,
  /** May join further rooms on this socket through `room` envelopes. */
  Multiplex: 1 << 2,
  /** Speaks the event-log sidecar. */
  EventLog: 1 << 3,
  /** Asks for a short client id leased by the server (`client-id`). */
  ClientIds: 1 << 4,
} as const;

export const ALL_FEATURES = Feature.Saved | Feature.Checksum | Feature.Multiplex | Feature.EventLog | Feature.ClientIds;
