import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createIntentRegistry } from './core-intents.ts';
import { rollDice } from './dice.ts';
import { type DiceRollPayload, diceRollIntent } from './dice-roll-intent.ts';
import { applyPatchToDoc, createDocReader, projectDoc } from './doc-projection.ts';
import { TABLE_DOC_SCHEMA } from './doc-schema.ts';
import { seededRandom } from './fuzz.fixture.ts';
import { createIntent, validateIntent } from './intent.ts';
import { createJsonReader } from './json-reader.ts';

const registry = createIntentRegistry();
const ctx = { userId: 'u1', sessionId: 's1', timestamp: 1000 };
const state = createJsonReader({});
const reasonOf = (payload: unknown) => {
  const result = validateIntent({ ...createIntent('dice:roll', null), payload, checksum: undefined }, registry);
  return result.ok ? 'ok' : result.reason;
};
const outcomeOf = (notation: string, seed: number) => {
  const { notation: _, ...outcome } = rollDice(notation, seededRandom(seed));
  return outcome;
};

describe('dice:roll', () => {
  it('[EM14] schema-violation for notation the parser rejects or a malformed result', () => {
    expect(reasonOf({ notation: '2d6+3' })).toBe('ok');
    for (const payload of [{ notation: '101d6' }, { notation: 'abc' }, { notation: '' }, {}, { notation: 'd6', result: { total: 3 } }, { notation: 'd6', extra: 1 }]) {
      expect(reasonOf(payload), JSON.stringify(payload)).toBe(RejectReason.SchemaViolation);
    }
  });

  it('[EM14] payload-too-large via maxPayloadBytes', () => {
    const huge = { notation: 'd6', result: { terms: [{ dice: 1, sides: 6, sign: 1, rolls: Array.from({ length: 20_000 }, () => 1) }], modifier: 0, total: 1 } };
    expect(reasonOf(huge)).toBe(RejectReason.PayloadTooLarge);
  });

  it('[EM14] prepare rolls on the server and overwrites any result the client claimed', () => {
    const claimed: DiceRollPayload = { notation: '1d20', result: { terms: [{ dice: 1, sides: 20, sign: 1, rolls: [20] }], modifier: 0, total: 20 } };
    const prepared = diceRollIntent.prepare!(claimed, () => 0, ctx);
    expect(prepared).toEqual({ notation: '1d20', result: { terms: [{ dice: 1, sides: 20, sign: 1, rolls: [1] }], modifier: 0, total: 1 } });
    // Same random source, same logged roll.
    expect(diceRollIntent.prepare!({ notation: '4d6kh3' }, seededRandom(5), ctx)).toEqual(diceRollIntent.prepare!({ notation: '4d6kh3' }, seededRandom(5), ctx));
  });

  it('[EM14] validate: rule-violation for a result rollDice could not have produced', () => {
    const outcome = outcomeOf('4d6kh3+1', 11);
    expect(diceRollIntent.validate({ notation: '4d6kh3+1', result: outcome }, state, ctx)).toEqual({ ok: true });
    expect(diceRollIntent.validate({ notation: '4d6kh3+1' }, state, ctx)).toEqual({ ok: true });
    for (const forged of [{ ...outcome, total: outcome.total + 1 }, { ...outcome, terms: [{ ...outcome.terms[0]!, rolls: [6, 6, 6, 7] }] }, outcomeOf('1d20', 1)]) {
      const verdict = diceRollIntent.validate({ notation: '4d6kh3+1', result: forged }, state, ctx);
      expect(verdict.ok).toBe(false);
      expect(verdict.ok ? null : verdict.reason).toBe(RejectReason.RuleViolation);
    }
  });

  it('[EM14] reduce appends the roll; a prediction without result is pending and has no total', () => {
    const event = { id: 'e1', type: 'dice:roll', userId: 'u1', timestamp: 9 };
    const outcome = outcomeOf('2d6+3', 4);
    expect(diceRollIntent.reduce({ ...event, payload: { notation: '2d6+3', result: outcome }, sequence: 3 }, state)).toEqual([
      {
        op: 'add',
        path: '/dice/-',
        value: { id: 'e1', userId: 'u1', notation: '2d6+3', total: outcome.total, modifier: 3, rolls: outcome.terms, timestamp: 9, sequence: 3 },
      },
    ]);
    const [pending] = diceRollIntent.reduce({ ...event, payload: { notation: '2d6+3' } }, state);
    expect(pending).toEqual({ op: 'add', path: '/dice/-', value: { id: 'e1', userId: 'u1', notation: '2d6+3', pending: true, timestamp: 9 } });
  });

  it('[EM14] the server pipeline logs its own roll whatever the client sent', () => {
    const doc = new Y.Doc();
    const raw = createIntent('dice:roll', { notation: '1d20', result: { terms: [{ dice: 1, sides: 20, sign: 1, rolls: [20] }], modifier: 0, total: 20 } });
    const checked = validateIntent(raw, registry);
    if (!checked.ok) throw new Error(checked.detail);
    const payload = diceRollIntent.prepare!(checked.payload as DiceRollPayload, () => 0.5, ctx);
    const reader = createDocReader(doc, TABLE_DOC_SCHEMA);
    expect(diceRollIntent.validate(payload, reader, ctx)).toEqual({ ok: true });
    const ops = diceRollIntent.reduce({ id: raw.id, type: raw.type, payload, userId: 'u1', timestamp: 1000, sequence: 1 }, reader);
    doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, ops));
    expect(projectDoc(doc, TABLE_DOC_SCHEMA).dice).toEqual([expect.objectContaining({ notation: '1d20', total: 11 })]);
  });
});
