/**
 * The one table of WebSocket close codes and rejection reasons. Every close
 * the server performs uses a code from here; clients decide whether to
 * reconnect from `retry`. 4400–4499 mirror HTTP 4xx (stock y-websocket stops
 * reconnecting on those); everything else is transient.
 */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  MessageTooBig: 1009,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  CorruptUpdate: 4001,
  RoomLimit: 4002,
  SlowConsumer: 4003,
  RoomUnavailable: 4004,
  RateLimited: 4005,
  UnsupportedVersion: 4426,
  Unauthorized: 4401,
  Forbidden: 4403,
  MemberRemoved: 4410,
  UpdateTooLarge: 4413,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export interface CloseCodeInfo {
  readonly name: keyof typeof CloseCode;
  readonly reason: string;
  /** Whether a client should reconnect after this close. */
  readonly retry: boolean;
}

export const CLOSE_CODES: Readonly<Record<CloseCode, CloseCodeInfo>> = {
  1000: { name: 'Normal', reason: 'closed', retry: false },
  1001: { name: 'GoingAway', reason: 'server shutting down', retry: true },
  1002: { name: 'ProtocolError', reason: 'malformed message', retry: true },
  1003: { name: 'UnsupportedData', reason: 'text frames are not accepted', retry: true },
  1009: { name: 'MessageTooBig', reason: 'message exceeds the size limit', retry: true },
  1011: { name: 'InternalError', reason: 'internal server error', retry: true },
  // A replica shutting down on purpose (a rolling restart): the others serve the room already, so no backoff ([OPS3]).
  1012: { name: 'ServiceRestart', reason: 'server restarting; reconnect now', retry: true },
  1013: { name: 'TryAgainLater', reason: 'room could not be loaded; try again later', retry: true },
  4001: { name: 'CorruptUpdate', reason: 'update could not be decoded or applied', retry: true },
  4002: { name: 'RoomLimit', reason: 'too many rooms on one connection', retry: true },
  4003: { name: 'SlowConsumer', reason: 'send buffer limit exceeded; resync on reconnect', retry: true },
  4004: { name: 'RoomUnavailable', reason: 'room could not be loaded', retry: true },
  4005: { name: 'RateLimited', reason: 'too many messages', retry: true },
  4401: { name: 'Unauthorized', reason: 'missing or invalid token', retry: false },
  4403: { name: 'Forbidden', reason: 'not allowed in this room', retry: false },
  4410: { name: 'MemberRemoved', reason: 'removed from the session', retry: false },
  // Permanent: a reconnecting client would send the same update again in its sync step 2.
  4413: { name: 'UpdateTooLarge', reason: 'update exceeds the size limit', retry: false },
  4426: { name: 'UnsupportedVersion', reason: 'unsupported protocol version', retry: false },
};

export function closeInfo(code: number): CloseCodeInfo | undefined {
  return (CLOSE_CODES as Record<number, CloseCodeInfo>)[code];
}

/**
 * Reasons carried by `error` messages and (later) intent rejections, so that
 * clients can show a precise message without parsing free text.
 */
export const RejectReason = {
  MalformedMessage: 'malformed-message',
  CorruptUpdate: 'corrupt-update',
  RoomLimit: 'room-limit',
  RoomUnavailable: 'room-unavailable',
  RoomNotJoined: 'room-not-joined',
  InvalidRoomName: 'invalid-room-name',
  UnsupportedVersion: 'unsupported-version',
  PermissionDenied: 'permission-denied',
  RateLimited: 'rate-limited',
  PayloadTooLarge: 'payload-too-large',
  ChecksumMismatch: 'checksum-mismatch',
  UnknownType: 'unknown-type',
  SchemaViolation: 'schema-violation',
  RuleViolation: 'rule-violation',
  Conflict: 'conflict',
  Denied: 'denied',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Rejection reasons as numbers on the wire (in `error` messages). */
export const REJECT_REASON_CODES: Readonly<Record<RejectReason, number>> = {
  'malformed-message': 1,
  'corrupt-update': 2,
  'room-limit': 3,
  'room-unavailable': 4,
  'room-not-joined': 5,
  'invalid-room-name': 6,
  'unsupported-version': 7,
  'permission-denied': 8,
  'rate-limited': 9,
  'payload-too-large': 10,
  'checksum-mismatch': 11,
  'unknown-type': 12,
  'schema-violation': 13,
  'rule-violation': 14,
  conflict: 15,
  denied: 16,
};

const reasonByCode = new Map<number, RejectReason>(
  Object.entries(REJECT_REASON_CODES).map(([reason, code]) => [code, reason as RejectReason]),
);

export function rejectReasonFromCode(code: number): RejectReason | undefined {
  return reasonByCode.get(code);
}
