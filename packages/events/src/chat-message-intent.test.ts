import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { chatMessageIntent } from './chat-message-intent.ts';
import { createIntentRegistry } from './core-intents.ts';
import { applyPatchToDoc, createDocReader, projectDoc } from './doc-projection.ts';
import { TABLE_DOC_SCHEMA } from './doc-schema.ts';
import { createIntent, validateIntent } from './intent.ts';
import { createJsonReader } from './json-reader.ts';

const registry = createIntentRegistry();
const ctx = { userId: 'u1', sessionId: 's1', timestamp: 1000 };
const reasonOf = (payload: unknown) => {
  const result = validateIntent({ ...createIntent('chat:message', null), payload, checksum: undefined }, registry);
  return result.ok ? 'ok' : result.reason;
};

describe('chat:message', () => {
  it('[EM13] accepts 1–2000 characters after trimming, counted in code points', () => {
    expect(reasonOf({ text: 'hello' })).toBe('ok');
    expect(reasonOf({ text: `  ${'a'.repeat(2000)}\n` })).toBe('ok');
    expect(reasonOf({ text: '🎲'.repeat(2000) })).toBe('ok');
    expect(reasonOf({ text: '\u0001'.repeat(2000) })).toBe('ok');
  });

  it('[EM13] schema-violation for empty, over-long or malformed messages', () => {
    for (const payload of [{ text: '' }, { text: ' \n\t ' }, { text: 'a'.repeat(2001) }, { text: 1 }, {}, { text: 'a', userId: 'spoof' }, 'hi']) {
      expect(reasonOf(payload), JSON.stringify(payload).slice(0, 40)).toBe(RejectReason.SchemaViolation);
    }
  });

  it('[EM13] payload-too-large via maxPayloadBytes, before the schema runs', () => {
    expect(reasonOf({ text: `a${' '.repeat(20_000)}` })).toBe(RejectReason.PayloadTooLarge);
  });

  it('[EM13] validate has no rule beyond the schema', () => {
    expect(chatMessageIntent.validate({ text: 'x' }, createJsonReader({}), ctx)).toEqual({ ok: true });
  });

  it('[EM13] reduce only appends one entry, trimmed, with sequence once sequenced', () => {
    const event = { id: 'e1', type: 'chat:message', payload: { text: '  hi there ' }, userId: 'u1', timestamp: 1000 };
    expect(chatMessageIntent.reduce(event, createJsonReader({}))).toEqual([
      { op: 'add', path: '/chat/-', value: { id: 'e1', userId: 'u1', text: 'hi there', timestamp: 1000 } },
    ]);
    expect(chatMessageIntent.reduce({ ...event, sequence: 7 }, createJsonReader({}))).toEqual([
      { op: 'add', path: '/chat/-', value: { id: 'e1', userId: 'u1', text: 'hi there', timestamp: 1000, sequence: 7 } },
    ]);
  });

  it('[EM13] applied to a document, earlier messages are untouched', () => {
    const doc = new Y.Doc();
    const earlier = new Y.Map<unknown>();
    earlier.set('text', 'first');
    doc.getArray('chat').push([earlier]);
    const reader = createDocReader(doc, TABLE_DOC_SCHEMA);
    const ops = chatMessageIntent.reduce({ id: 'e2', type: 'chat:message', payload: { text: 'second' }, userId: 'u2', timestamp: 5, sequence: 2 }, reader);
    doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops));
    expect(doc.getArray('chat').get(0)).toBe(earlier);
    expect(projectDoc(doc, TABLE_DOC_SCHEMA).chat).toEqual([{ text: 'first' }, { id: 'e2', userId: 'u2', text: 'second', timestamp: 5, sequence: 2 }]);
  });
});
