import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createIntentRegistry } from './core-intents.ts';
import { applyPatchToDoc, createDocReader } from './doc-projection.ts';
import { TABLE_DOC_SCHEMA } from './doc-schema.ts';
import { createIntent, validateIntent } from './intent.ts';
import type { JsonObject } from './json.ts';
import { createJsonReader } from './json-reader.ts';
import { tokenMoveIntent } from './token-move-intent.ts';

const registry = createIntentRegistry();
const ctx = { userId: 'u1', sessionId: 's1', timestamp: 1000 };
const table = (extra: JsonObject = {}) =>
  createJsonReader({ scene: { width: 100, height: 50 }, tokens: { t1: { x: 1, y: 2 }, 'a/b~c': { x: 0, y: 0 }, bare: {}, flat: 5 }, ...extra });
const reasonOf = (payload: unknown) => {
  const result = validateIntent({ ...createIntent('token:move', null), payload, checksum: undefined }, registry);
  return result.ok ? 'ok' : result.reason;
};

describe('token:move', () => {
  it('[EM15] schema-violation for missing, non-numeric or extra fields', () => {
    expect(reasonOf({ tokenId: 't1', x: 1, y: 2 })).toBe('ok');
    for (const payload of [{ tokenId: 't1', x: '1', y: 2 }, { tokenId: '', x: 1, y: 2 }, { tokenId: 't1', x: 1 }, { tokenId: 't1', x: 1, y: 2, z: 0 }, { tokenId: 't1', x: Number.NaN, y: 0 }]) {
      expect(reasonOf(payload), JSON.stringify(payload)).toBe(RejectReason.SchemaViolation);
    }
  });

  it('[EM15] payload-too-large via maxPayloadBytes', () => {
    expect(reasonOf({ tokenId: 't'.repeat(2000), x: 1, y: 2 })).toBe(RejectReason.PayloadTooLarge);
  });

  it('[EM15] rule-violation when the token does not exist or the position is outside the scene', () => {
    const reject = (payload: { tokenId: string; x: number; y: number }) => {
      const verdict = tokenMoveIntent.validate(payload, table(), ctx);
      return verdict.ok ? 'ok' : verdict.reason;
    };
    expect(reject({ tokenId: 't1', x: 100, y: 50 })).toBe('ok');
    expect(reject({ tokenId: 't1', x: 0, y: 0 })).toBe('ok');
    for (const payload of [
      { tokenId: 'ghost', x: 1, y: 1 },
      { tokenId: 'flat', x: 1, y: 1 },
      { tokenId: 'toString', x: 1, y: 1 },
      { tokenId: 't1', x: 100.5, y: 1 },
      { tokenId: 't1', x: -1, y: 1 },
      { tokenId: 't1', x: 1, y: 51 },
    ]) {
      expect(reject(payload), JSON.stringify(payload)).toBe(RejectReason.RuleViolation);
    }
  });

  it('[EM15] without scene bounds any finite position is allowed', () => {
    const reader = createJsonReader({ tokens: { t1: { x: 1, y: 2 } }, scene: {} });
    expect(tokenMoveIntent.validate({ tokenId: 't1', x: -500, y: 1e6 }, reader, ctx)).toEqual({ ok: true });
  });

  it('[EM15] reduce replaces x and y (adds them to a token that had none), escaping the id', () => {
    const event = { id: 'e', type: 'token:move', userId: 'u1', timestamp: 1 };
    expect(tokenMoveIntent.reduce({ ...event, payload: { tokenId: 't1', x: 5, y: 6 } }, table())).toEqual([
      { op: 'replace', path: '/tokens/t1/x', value: 5 },
      { op: 'replace', path: '/tokens/t1/y', value: 6 },
    ]);
    expect(tokenMoveIntent.reduce({ ...event, payload: { tokenId: 'a/b~c', x: 5, y: 6 } }, table())[0]).toEqual({ op: 'replace', path: '/tokens/a~1b~0c/x', value: 5 });
    expect(tokenMoveIntent.reduce({ ...event, payload: { tokenId: 'bare', x: 5, y: 6 } }, table())).toEqual([
      { op: 'add', path: '/tokens/bare/x', value: 5 },
      { op: 'add', path: '/tokens/bare/y', value: 6 },
    ]);
  });

  it('[EM15] applied to a document, only x and y of that token change', () => {
    const doc = new Y.Doc();
    const t1 = new Y.Map<unknown>();
    t1.set('x', 1);
    t1.set('y', 2);
    t1.set('name', 'hero');
    doc.getMap('tokens').set('t1', t1);
    const reader = createDocReader(doc, TABLE_DOC_SCHEMA);
    const payload = { tokenId: 't1', x: 7, y: 8 };
    expect(tokenMoveIntent.validate(payload, reader, ctx)).toEqual({ ok: true });
    const ops = tokenMoveIntent.reduce({ id: 'e', type: 'token:move', payload, userId: 'u1', timestamp: 1 }, reader);
    doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops));
    expect(doc.getMap('tokens').get('t1')).toBe(t1);
    expect(t1.toJSON()).toEqual({ x: 7, y: 8, name: 'hero' });
  });
});
