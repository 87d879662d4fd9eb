/**
 * What the audit log records ([AL1], [AL2] in docs/security.md): who did
 * what, when, to what, and whether it was allowed.
 */

export const AuditAction = {
  SessionCreated: 'session.created',
  MemberJoined: 'member.joined',
  MemberRemoved: 'member.removed',
  MemberRoleChanged: 'member.role-changed',
  CheckpointCreated: 'checkpoint.created',
  CheckpointRestored: 'checkpoint.restored',
  ApprovalRequested: 'approval.requested',
  ApprovalResolved: 'approval.resolved',
  /** An image a GM uploaded that the session did not hold yet ([API11]). */
  AssetUploaded: 'asset.uploaded',
  /** A room of the session refused at the upgrade or at a multiplexed join. */
  RoomRefused: 'room.refused',
  /** A session API call refused with 403. */
  ApiRefused: 'api.refused',
  /** An intent rejected with `permission-denied`. */
  IntentRefused: 'intent.refused',
  /** A document write refused by a write rule (for the per-path write rules to record). */
  WriteRefused: 'write.refused',
  /** Further denials of one user that the denial budget counted instead of storing ([AL4]). */
  Suppressed: 'audit.suppressed',
  /** Entries that could not be stored (the store was unavailable too long, the buffer overflowed). */
  Lost: 'audit.lost',
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

export type AuditOutcome = 'ok' | 'denied';

export type AuditValue = string | number | boolean | null;

/** What a caller hands to `Audit.record`. */
export interface AuditInput {
  /** The user who acted; null for the server itself. */
  readonly actor: string | null;
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  /** What was acted on: a user id, a room, a checkpoint id, `#<sequence>`, `<METHOD> <path>`. */
  readonly target?: string;
  /** Why, in words (a refusal's reason). */
  readonly detail?: string;
  /** The client address, where the action came over a socket or request the server saw. */
  readonly ip?: string;
  readonly data?: Readonly<Record<string, AuditValue>>;
}

/** An entry as stored and as the API returns it. */
export interface AuditEntry extends AuditInput {
  /** Milliseconds since the epoch, when the server saw it happen. */
  readonly at: number;
  /** Denials of the same user in this session counted but not stored since the previous stored one ([AL4]). */
  readonly suppressed?: number;
}

/** The audit API other modules call: never blocks, never throws, never fails the operation it records ([AL3]). */
export interface Audit {
  record(sessionId: string, input: AuditInput): void;
}

export const noAudit: Audit = { record: () => undefined };

const MAX_TEXT = 500;

/** Strings from requests (paths, reasons) are cut, so one entry cannot grow without bound. */
export function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

export function encodeAuditEntry(entry: AuditEntry): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(entry));
}

export function decodeAuditEntry(data: Uint8Array): AuditEntry {
  const raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as Partial<AuditEntry> | null;
  if (raw === null || typeof raw !== 'object' || typeof raw.at !== 'number' || typeof raw.action !== 'string' || typeof raw.outcome !== 'string') {
    throw new Error('malformed audit entry');
  }
  return raw as AuditEntry;
}
