import { RejectReason } from '@dungeon-lab/protocol';
import { uuidv4 } from 'lib0/random';
import type { z } from 'zod';
import { CanonicalJsonError, canonicalBytes, checksumOfBytes, payloadChecksum } from './canonical-json.ts';
import type { JsonValue } from './json.ts';
import { type ExpectedVersion, type Intent, IntentSchema } from './model.ts';
import type { IntentRegistry } from './registry.ts';

/** Payload size limit for definitions that set no `maxPayloadBytes`, in bytes of canonical JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * Deepest payload nesting accepted. Checked before any recursive parsing: a
 * few kilobytes of `[[[[…]]]]` would otherwise overflow the stack of the schema
 * validator and surface as a RangeError instead of a rejection.
 */
export const MAX_PAYLOAD_DEPTH = 64;

export interface CreateIntentOptions {
  readonly id?: string;
  readonly expected?: ExpectedVersion;
  /** Default true. */
  readonly checksum?: boolean;
}

/** A v4 UUID from the platform's CSPRNG where available (browsers, Node ≥ 19), else lib0's. */
export function newIntentId(): string {
  const platform = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return typeof platform?.randomUUID === 'function' ? platform.randomUUID() : uuidv4();
}

/** An intent ready to submit, with its payload checksum filled in ([EM2]). */
export function createIntent(type: string, payload: JsonValue, opts: CreateIntentOptions = {}): Intent {
  const intent: Intent = { id: opts.id ?? newIntentId(), type, payload };
  if (opts.checksum !== false) intent.checksum = payloadChecksum(payload);
  if (opts.expected !== undefined) intent.expected = opts.expected;
  return intent;
}

export type IntentCheck =
  | { readonly ok: true; readonly intent: Intent; readonly payload: JsonValue }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

const EnvelopeSchema = IntentSchema.omit({ payload: true });

/**
 * Checks a submitted intent before any rule runs ([EM11]), cheapest and most
 * structural first: envelope shape (schema-violation), registered type
 * (unknown-type), payload nesting (schema-violation) and size in canonical
 * bytes (payload-too-large), checksum when present (checksum-mismatch), then
 * the type's payload schema (schema-violation). The size is checked before the payload is parsed so an
 * oversized payload costs one serialisation, not a schema walk. `payload` is
 * the schema's parse result (unknown keys stripped or rejected per schema).
 */
export function validateIntent(raw: unknown, registry: IntentRegistry): IntentCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return reject(RejectReason.SchemaViolation, 'an intent must be an object');
  if (!('payload' in raw)) return reject(RejectReason.SchemaViolation, 'payload: missing');
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success) return reject(RejectReason.SchemaViolation, describeIssue(envelope.error));

  const definition = registry.get(envelope.data.type);
  if (definition === undefined) return reject(RejectReason.UnknownType, `unknown intent type "${envelope.data.type}"`);

  const limit = definition.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const shape = payloadShape((raw as { payload: unknown }).payload, limit);
  if (shape === 'too-deep') return reject(RejectReason.SchemaViolation, `payload: nested deeper than ${MAX_PAYLOAD_DEPTH}`);
  if (shape === 'too-many-values') return reject(RejectReason.PayloadTooLarge, `payload has more values than the ${limit}-byte limit for ${definition.type} can hold`);

  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes((raw as { payload: JsonValue }).payload);
  } catch (err) {
    if (err instanceof CanonicalJsonError) return reject(RejectReason.SchemaViolation, `payload: ${err.message}`);
    throw err;
  }
  if (bytes.length > limit) return reject(RejectReason.PayloadTooLarge, `payload is ${bytes.length} bytes; the limit for ${definition.type} is ${limit}`);
  if (envelope.data.checksum !== undefined && envelope.data.checksum !== checksumOfBytes(bytes)) {
    return reject(RejectReason.ChecksumMismatch, 'checksum does not match the canonical payload');
  }

  const full = IntentSchema.safeParse(raw);
  if (!full.success) return reject(RejectReason.SchemaViolation, describeIssue(full.error));
  const payload = definition.payload.safeParse(full.data.payload);
  if (!payload.success) return reject(RejectReason.SchemaViolation, `payload${describeIssue(payload.error, '.')}`);
  return { ok: true, intent: full.data, payload: payload.data };
}

function reject(reason: RejectReason, detail: string): IntentCheck {
  return { ok: false, reason, detail };
}

function describeIssue(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${prefix}invalid`;
  const path = issue.path.map(String).join('.');
  return `${path === '' ? (prefix === '.' ? '' : prefix) : prefix + path}: ${issue.message}`;
}

/**
 * Walks the raw payload iteratively (so the walk itself cannot overflow)
 * before anything recursive touches it. Every JSON value takes at least one
 * byte of canonical JSON, so more values than `maxBytes` is too large however
 * they are arranged — which also bounds in-memory payloads that share or
 * cycle references, whose serialisation would otherwise blow up.
 */
function payloadShape(value: unknown, maxBytes: number): 'ok' | 'too-deep' | 'too-many-values' {
  const stack: [unknown, number][] = [[value, 0]];
  let values = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++values > maxBytes) return 'too-many-values';
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_PAYLOAD_DEPTH) return 'too-deep';
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return 'ok';
}
