export { type JsonPrimitive, type JsonValue, type JsonObject, JsonValueSchema } from './json.ts';
export { type JsonPatchOp, JsonPatchOpSchema, JsonPatchError } from './json-patch-types.ts';
export {
  IntentTypeSchema,
  ChecksumSchema,
  ExpectedVersionSchema,
  type ExpectedVersion,
  IntentSchema,
  type Intent,
  StateEventSchema,
  type StateEvent,
  EventStatusSchema,
  type EventStatus,
  LogEntrySchema,
  type LogEntry,
  LogAudienceSchema,
  type LogAudience,
  RedactedLogEntrySchema,
  type RedactedLogEntry,
  LogEntryViewSchema,
  type LogEntryView,
  ConflictSchema,
  type Conflict,
  AckSchema,
  type Ack,
  ApprovalRequestSchema,
  type ApprovalRequest,
  ApprovalResolutionSchema,
  type ApprovalResolution,
} from './model.ts';
export {
  type StateReader,
  type IntentContext,
  type SessionRole,
  type Validation,
  valid,
  invalid,
  type ReducibleEvent,
  type IntentDefinition,
  type IntentEffects,
} from './reducer.ts';
export {
  type RootKind,
  type DocSchema,
  TABLE_DOC_SCHEMA,
  GM_DOC_SCHEMA,
  META_ROOT,
  META_SEQUENCE_KEY,
  ENTITY_VERSION_KEY,
} from './doc-schema.ts';
export { canonicalJson, canonicalBytes, payloadChecksum, payloadBytes, checksumOfBytes, CanonicalJsonError } from './canonical-json.ts';
export {
  parsePointer,
  formatPointer,
  escapePointerToken,
  unescapePointerToken,
  parseArrayIndex,
  isProperPrefix,
  END_OF_ARRAY,
  JsonPointerError,
} from './json-pointer.ts';
export { applyPatch } from './json-patch.ts';
export { createJsonReader } from './json-reader.ts';
export { projectDoc, createDocReader, applyPatchToDoc, checkPatchOnDoc } from './doc-projection.ts';
export { DocProjector } from './doc-projector.ts';
export { touchedEntities, readEntityVersion } from './entity-versions.ts';
export {
  parseDice,
  rollDice,
  diceResultProblem,
  DiceNotationError,
  DICE_LIMITS,
  type DiceExpression,
  type DiceTerm,
  type ConstantTerm,
  type Sign,
  type DiceTermResult,
  type UnkeptDiceTerm,
  type KeptDiceTerm,
  type DiceRollResult,
  type DiceOutcome,
} from './dice.ts';
export { IntentRegistry, type AnyIntentDefinition } from './registry.ts';
export { chatMessageIntent, ChatMessagePayloadSchema, type ChatMessagePayload, CHAT_TEXT_MAX_CHARS } from './chat-message-intent.ts';
export { diceRollIntent, DiceRollPayloadSchema, DiceOutcomeSchema, type DiceRollPayload, DICE_LABEL_MAX_CHARS } from './dice-roll-intent.ts';
export { tokenMoveIntent, TokenMovePayloadSchema, type TokenMovePayload } from './token-move-intent.ts';
export { TOKEN_REVEAL_TYPE, tokenRevealIntent, TokenRevealPayloadSchema, type TokenRevealPayload } from './token-reveal-intent.ts';
export { TOKEN_HIDE_TYPE, tokenHideIntent } from './token-hide-intent.ts';
export { TokenVisibilityPayloadSchema, type TokenVisibilityPayload } from './token-visibility.ts';
export { CORE_INTENTS, createIntentRegistry } from './core-intents.ts';
export {
  createIntent,
  validateIntent,
  newIntentId,
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_PAYLOAD_DEPTH,
  type CreateIntentOptions,
  type IntentCheck,
} from './intent.ts';
export {
  APPROVAL_RESOLVE_TYPE,
  ApprovalDecisionPayloadSchema,
  approvalResolveIntent,
  type ApprovalDecisionPayload,
} from './approval-resolve-intent.ts';
