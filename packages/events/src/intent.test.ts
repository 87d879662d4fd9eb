import { RejectReason } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { payloadChecksum } from './canonical-json.ts';
import { createIntentRegistry } from './core-intents.ts';
import { seededRandom } from './fuzz.fixture.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_PAYLOAD_DEPTH, createIntent, validateIntent } from './intent.ts';
import type { JsonValue } from './json.ts';
import { IntentSchema } from './model.ts';
import { valid } from './reducer.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const registry = createIntentRegistry([
  {
    type: 'plugin:test:blob',
    payload: z.unknown() as z.ZodType<JsonValue>,
    validate: () => valid,
    reduce: () => [],
  },
]);

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createIntent', () => {
  it('[EM2] fills a v4 id and the canonical payload checksum', () => {
    const intent = createIntent('chat:message', { text: 'hi' });
    expect(intent.id).toMatch(UUID_V4);
    expect(intent.checksum).toBe(payloadChecksum({ text: 'hi' }));
    expect(IntentSchema.parse(intent)).toEqual(intent);
    expect(createIntent('chat:message', { text: 'hi' }).id).not.toBe(intent.id);
  });

  it('[EM2] takes an id and a precondition, and can leave the checksum out', () => {
    const id = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    const expected = { entity: '/tokens/t1', version: 2 };
    expect(createIntent('token:move', { tokenId: 't1', x: 1, y: 2 }, { id, expected, checksum: false })).toEqual({
      id,
      type: 'token:move',
      payload: { tokenId: 't1', x: 1, y: 2 },
      expected,
    });
  });

  it('[EM17] falls back to lib0 when crypto.randomUUID is missing', () => {
    vi.stubGlobal('crypto', undefined);
    expect(createIntent('chat:message', { text: 'x' }).id).toMatch(UUID_V4);
  });
});

describe('validateIntent', () => {
  const good = () => createIntent('chat:message', { text: '  hello  ' });

  it('[EM11] accepts a well-formed intent and returns the parsed payload', () => {
    const intent = good();
    expect(validateIntent(intent, registry)).toEqual({ ok: true, intent, payload: { text: '  hello  ' } });
    const { checksum: _, ...withoutChecksum } = intent;
    expect(validateIntent(withoutChecksum, registry).ok).toBe(true);
  });

  const reasonOf = (raw: unknown) => {
    const result = validateIntent(raw, registry);
    if (result.ok) throw new Error('accepted');
    expect(result.detail.length).toBeGreaterThan(0);
    return result.reason;
  };

  it('[EM11] schema-violation for a malformed envelope', () => {
    for (const raw of [null, 'x', [], 5, {}, { ...good(), id: 'nope' }, { ...good(), type: 'Chat' }, { ...good(), checksum: 'md5:x' }, { id: good().id, type: 'chat:message' }]) {
      expect(reasonOf(raw), JSON.stringify(raw)).toBe(RejectReason.SchemaViolation);
    }
    expect(reasonOf({ ...good(), expected: { entity: '/tokens', version: 1 } })).toBe(RejectReason.SchemaViolation);
  });

  it('[EM11] unknown-type for a well-formed but unregistered type', () => {
    expect(reasonOf(createIntent('plugin:other:thing', {}))).toBe(RejectReason.UnknownType);
  });

  it('[EM11] checksum-mismatch when the checksum does not match the canonical payload', () => {
    expect(reasonOf({ ...good(), checksum: payloadChecksum({ text: 'other' }) })).toBe(RejectReason.ChecksumMismatch);
    // Key order does not matter, so a reordered payload still matches.
    const intent = createIntent('plugin:test:blob', { a: 1, b: 2 });
    expect(validateIntent({ ...intent, payload: { b: 2, a: 1 } }, registry).ok).toBe(true);
  });

  it('[EM11] payload-too-large above the type limit (default when unset), checked before the payload schema', () => {
    expect(reasonOf(createIntent('plugin:test:blob', 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES)))).toBe(RejectReason.PayloadTooLarge);
    expect(validateIntent(createIntent('plugin:test:blob', 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES - 2)), registry).ok).toBe(true);
    expect(reasonOf(createIntent('chat:message', { text: 'a', junk: 'x'.repeat(20_000) }))).toBe(RejectReason.PayloadTooLarge);
  });

  it('[EM11] schema-violation when the payload fails the type schema', () => {
    expect(reasonOf(createIntent('chat:message', { text: 5 }))).toBe(RejectReason.SchemaViolation);
    expect(reasonOf(createIntent('chat:message', { text: 'a', extra: 1 }))).toBe(RejectReason.SchemaViolation);
  });

  it('[EM11] hostile payloads are rejections, not exceptions', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(reasonOf({ ...good(), checksum: undefined, payload: deep })).toBe(RejectReason.SchemaViolation);
    let nested: unknown = 1;
    for (let i = 0; i < MAX_PAYLOAD_DEPTH - 1; i++) nested = [nested];
    expect(validateIntent({ id: good().id, type: 'plugin:test:blob', payload: nested }, registry).ok).toBe(true);
    // Shared references: 2^40 values if serialised naively.
    let shared: unknown[] = [1];
    for (let i = 0; i < 40; i++) shared = [shared, shared];
    expect(reasonOf({ id: good().id, type: 'plugin:test:blob', payload: shared })).toBe(RejectReason.PayloadTooLarge);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(reasonOf({ id: good().id, type: 'plugin:test:blob', payload: cyclic })).toBe(RejectReason.SchemaViolation);
    for (const payload of [Number.NaN, undefined, { a: undefined }, new Date(0), () => 1]) {
      expect(reasonOf({ id: good().id, type: 'plugin:test:blob', payload }), String(payload)).toBe(RejectReason.SchemaViolation);
    }
  });

  it('[EM11] fuzz: mutated intents always yield a verdict with a known reason', () => {
    const rand = seededRandom(9);
    const reasons = new Set(Object.values(RejectReason));
    const junk = [null, 0, -1, 1e308, '', 'x', [], {}, true, '🎲', { text: 'a' }, [[[]]], 'chat:message', '00000000-0000-4000-8000-000000000000'];
    const pickJunk = () => junk[Math.floor(rand() * junk.length)];
    for (let i = 0; i < 2000; i++) {
      const base = createIntent(rand() < 0.5 ? 'chat:message' : 'token:move', rand() < 0.5 ? { text: 'hi' } : { tokenId: 't', x: 1, y: 2 }) as Record<string, unknown>;
      const raw: Record<string, unknown> = { ...base };
      const key = ['id', 'type', 'payload', 'checksum', 'expected', 'extra'][Math.floor(rand() * 6)]!;
      if (rand() < 0.2) delete raw[key];
      else raw[key] = pickJunk();
      const result = validateIntent(raw, registry);
      if (!result.ok) expect(reasons.has(result.reason)).toBe(true);
    }
  }, 30_000);
});
