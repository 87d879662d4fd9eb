import { z } from 'zod';
import { JsonPatchOpSchema } from './json-patch-types.ts';
import { JsonValueSchema } from './json.ts';

/**
 * `<namespace>:<name>` or `plugin:<pluginId>:<name>`: lower-case words
 * separated by colons, e.g. `chat:message`, `plugin:dnd5e:attack`.
 */
export const IntentTypeSchema = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_-]*(:[a-z0-9][a-z0-9_-]*)+$/, 'an intent type like "chat:message"');

/** A checksum as sent on the wire: `sha256:` + 64 lower-case hex digits of the canonical payload. */
export const ChecksumSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex digits>');

/**
 * Optional precondition: the intent applies only if one entity (a direct child
 * of a root map, e.g. `/actors/goblin-1`) is still at the version the client
 * saw. Never a global version ([EL6]).
 */
export const ExpectedVersionSchema = z.object({
  entity: z.string().regex(/^\/[^/]+\/[^/]+$/, 'an entity pointer like /actors/goblin-1'),
  version: z.number().int().nonnegative(),
});
export type ExpectedVersion = z.infer<typeof ExpectedVersionSchema>;

/** What a client submits: the server adds sequence, timestamp, userId and sessionId. */
export const IntentSchema = z.object({
  id: z.uuid(),
  type: IntentTypeSchema,
  payload: JsonValueSchema,
  checksum: ChecksumSchema.optional(),
  expected: ExpectedVersionSchema.optional(),
});
export type Intent = z.infer<typeof IntentSchema>;

/**
 * The seed's StateEvent: an intent as sequenced by the server. `payload` is the
 * payload as logged (after the definition's `prepare`), and `checksum` is
 * `payloadChecksum` of THAT payload — so it can differ from the checksum the
 * client sent with its intent (dice:roll adds the server's result).
 */
export const StateEventSchema = z.object({
  id: z.uuid(),
  sequence: z.number().int().positive(),
  timestamp: z.number().int().nonnegative(),
  type: IntentTypeSchema,
  payload: JsonValueSchema,
  userId: z.string().min(1),
  sessionId: z.string().min(1),
  checksum: ChecksumSchema,
});
export type StateEvent = z.infer<typeof StateEventSchema>;

/** pending → applied | rejected | awaiting-approval → approved | denied */
export const EventStatusSchema = z.enum(['pending', 'applied', 'rejected', 'awaiting-approval', 'approved', 'denied']);
export type EventStatus = z.infer<typeof EventStatusSchema>;

/** Who may read a log entry ([EL17]): everyone in the session, or GMs only (and the member who submitted it). Absent means `all`. */
export const LogAudienceSchema = z.enum(['all', 'gm']);
export type LogAudience = z.infer<typeof LogAudienceSchema>;

/**
 * One entry of a session's log: the event, its status and the state changes
 * it made (or would make). `patch` is the table doc's part; `gmPatch` the GM
 * doc's ([EL16]), never shown to players ([EL17]).
 */
export const LogEntrySchema = z.object({
  event: StateEventSchema,
  status: EventStatusSchema,
  patch: z.array(JsonPatchOpSchema),
  gmPatch: z.array(JsonPatchOpSchema).optional(),
  audience: LogAudienceSchema.optional(),
  resolvedBy: z.string().optional(),
  reason: z.string().optional(),
  resolvedAt: z.number().int().optional(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

/**
 * What a player receives in place of an entry they may not read ([EL17]):
 * its sequence only, so the log stays gap-free for them without saying what
 * happened.
 */
export const RedactedLogEntrySchema = z.strictObject({
  sequence: z.number().int().positive(),
  redacted: z.literal(true),
});
export type RedactedLogEntry = z.infer<typeof RedactedLogEntrySchema>;

/** A log entry as a given member receives it: whole, or redacted. */
export const LogEntryViewSchema = z.union([LogEntrySchema, RedactedLogEntrySchema]);
export type LogEntryView = z.infer<typeof LogEntryViewSchema>;

export const ConflictSchema = z.object({
  entity: z.string(),
  expected: z.number().int(),
  actual: z.number().int(),
});
export type Conflict = z.infer<typeof ConflictSchema>;

/** The server's answer to one intent ([EL1]). `reason` is a RejectReason from the protocol package. */
export const AckSchema = z.discriminatedUnion('success', [
  z.object({
    id: z.string(),
    success: z.literal(true),
    sequence: z.number().int().positive(),
    /** Absent or `applied`: the effects are in the doc. `awaiting-approval`: sequenced, waiting for the GM. */
    status: z.enum(['applied', 'awaiting-approval']).optional(),
  }),
  z.object({
    id: z.string(),
    success: z.literal(false),
    reason: z.string(),
    detail: z.string().optional(),
    conflict: ConflictSchema.optional(),
  }),
]);
export type Ack = z.infer<typeof AckSchema>;

/**
 * A critical intent waiting for the GM ([EL13]): the logged entry (its patch
 * is the predicted effect), why it needs approval, and the current state of
 * the entities it would change, so the GM decides on what is true now.
 */
export const ApprovalRequestSchema = z.object({
  entry: LogEntrySchema,
  summary: z.string(),
  current: z.record(z.string(), JsonValueSchema.nullable()),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** How a pending critical intent was settled; broadcast to the session and logged. */
export const ApprovalResolutionSchema = z.object({
  /** Sequence and id of the critical intent. */
  sequence: z.number().int().positive(),
  id: z.uuid(),
  decision: z.enum(['approved', 'denied']),
  resolvedBy: z.string(),
  reason: z.string().optional(),
  /** The sequence of the logged resolution event (whose patch, when approved, is what was applied). */
  resolutionSequence: z.number().int().positive(),
  /** The GM edited the effect before approving it. */
  edited: z.boolean(),
});
export type ApprovalResolution = z.infer<typeof ApprovalResolutionSchema>;
