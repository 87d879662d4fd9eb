import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createIntentRegistry } from './core-intents.ts';
import { diceRollIntent } from './dice-roll-intent.ts';
import { applyPatchToDoc, checkPatchOnDoc, createDocReader, projectDoc } from './doc-projection.ts';
import { GM_DOC_SCHEMA, TABLE_DOC_SCHEMA } from './doc-schema.ts';
import { createIntent, validateIntent } from './intent.ts';
import { JsonPatchError } from './json-patch-types.ts';
import { applyPatch } from './json-patch.ts';
import type { JsonObject } from './json.ts';
import { createJsonReader } from './json-reader.ts';
import { LogEntryViewSchema, RedactedLogEntrySchema } from './model.ts';
import type { IntentContext } from './reducer.ts';
import { tokenHideIntent } from './token-hide-intent.ts';
import { tokenRevealIntent } from './token-reveal-intent.ts';

const registry = createIntentRegistry();
const gmCtx = (gm?: ReturnType<typeof createJsonReader>): IntentContext => ({ userId: 'gm1', sessionId: 's1', timestamp: 5, role: 'gm', ...(gm ? { gm } : {}) });
const playerCtx: IntentContext = { userId: 'p1', sessionId: 's1', timestamp: 5, role: 'player' };
const empty = createJsonReader({});
const event = <P>(payload: P) => ({ id: 'e1', type: 't', payload, userId: 'gm1', timestamp: 5, sequence: 7 });

describe('dice:roll secret and label', () => {
  it('[EM19] label and secret are part of the payload; unknown keys and over-long labels are schema violations', () => {
    const reason = (payload: unknown) => {
      const r = validateIntent({ ...createIntent('dice:roll', null), payload, checksum: undefined }, registry);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason({ notation: '1d20', label: 'Stealth', secret: true })).toBe('ok');
    expect(reason({ notation: '1d20', label: '' })).toBe('schema-violation');
    expect(reason({ notation: '1d20', label: 'x'.repeat(201) })).toBe('schema-violation');
    expect(reason({ notation: '1d20', secret: 'yes' })).toBe('schema-violation');
  });

  it('[EM19] only a GM rolls in secret: a player is refused with permission-denied', () => {
    expect(diceRollIntent.validate({ notation: '1d20', secret: true }, empty, playerCtx)).toMatchObject({ ok: false, reason: RejectReason.PermissionDenied });
    expect(diceRollIntent.validate({ notation: '1d20', secret: true }, empty, { ...playerCtx, role: undefined })).toMatchObject({ ok: false });
    expect(diceRollIntent.validate({ notation: '1d20', secret: true }, empty, gmCtx())).toEqual({ ok: true });
  });

  it('[EM19] prepare keeps label and secret; a secret roll goes to the GM doc, for GMs only, and predicts nothing on the table', () => {
    const prepared = diceRollIntent.prepare!({ notation: '1d20', label: 'Ambush', secret: true }, () => 0, gmCtx());
    expect(prepared).toEqual({ notation: '1d20', label: 'Ambush', secret: true, result: { terms: [{ dice: 1, sides: 20, sign: 1, rolls: [1] }], modifier: 0, total: 1 } });
    const effects = diceRollIntent.effects!(event(prepared), empty, undefined);
    expect(effects.table).toEqual([]);
    expect(effects.audience).toBe('gm');
    expect(effects.gm).toEqual([{ op: 'add', path: '/dice/-', value: expect.objectContaining({ label: 'Ambush', total: 1, sequence: 7 }) }]);
    expect(diceRollIntent.reduce(event(prepared), empty)).toEqual([]);
    // A public roll: the table's dice log, label included, audience left to the server.
    const open = diceRollIntent.effects!(event({ ...prepared, secret: false }), empty, undefined);
    expect(open).toEqual({ table: [expect.objectContaining({ path: '/dice/-', value: expect.objectContaining({ label: 'Ambush' }) })] });
  });
});

describe('token:reveal', () => {
  const hidden = createJsonReader({
    tokens: { t1: { name: 'Lurker', actorId: 'a1', x: 1, y: 2, _version: 4 }, t2: { name: 'Known', actorId: 'a2' } },
    actors: { a1: { name: 'Lurker', hp: 7, _version: 2 }, a2: { name: 'gm notes on a2' } },
  });
  const table = createJsonReader({ tokens: {}, actors: { a2: { name: 'Known' } } });

  it('[EM20] GM only; the token must be hidden and not yet on the table', () => {
    expect(tokenRevealIntent.validate({ tokenId: 't1' }, table, playerCtx)).toMatchObject({ ok: false, reason: RejectReason.PermissionDenied });
    expect(tokenRevealIntent.validate({ tokenId: 't1' }, table, gmCtx(hidden))).toEqual({ ok: true });
    expect(tokenRevealIntent.validate({ tokenId: 'nope' }, table, gmCtx(hidden))).toMatchObject({ ok: false, reason: RejectReason.RuleViolation });
    const onTable = createJsonReader({ tokens: { t1: { x: 0 } } });
    expect(tokenRevealIntent.validate({ tokenId: 't1' }, onTable, gmCtx(hidden))).toMatchObject({ ok: false, reason: RejectReason.RuleViolation });
  });

  it('[EM20] moves the token and its hidden actor: the table patch adds, the GM patch removes, in one effect for everyone', () => {
    expect(tokenRevealIntent.effects!(event({ tokenId: 't1' }), table, hidden)).toEqual({
      table: [
        { op: 'add', path: '/tokens/t1', value: { name: 'Lurker', actorId: 'a1', x: 1, y: 2 } },
        { op: 'add', path: '/actors/a1', value: { name: 'Lurker', hp: 7 } },
      ],
      gm: [
        { op: 'remove', path: '/tokens/t1' },
        { op: 'remove', path: '/actors/a1' },
      ],
      audience: 'all',
    });
    // An actor already on the table stays where it is; the GM doc keeps its own notes on it.
    expect(tokenRevealIntent.effects!(event({ tokenId: 't2' }), table, hidden)).toMatchObject({
      table: [{ op: 'add', path: '/tokens/t2' }],
      gm: [{ op: 'remove', path: '/tokens/t2' }],
    });
    expect(tokenRevealIntent.reduce(event({ tokenId: 't1' }), table)).toEqual([]);
  });
});

describe('token:hide', () => {
  // A monster with its own actor, a character with two tokens on the table, a token whose actor the GM keeps notes on.
  const tableState: JsonObject = {
    tokens: {
      orc: { name: 'Orc', actorId: 'orc-a', x: 5, y: 6, _version: 3 },
      mira1: { name: 'Mira', actorId: 'mira-a', x: 1, y: 1 },
      mira2: { name: 'Mira (mirror image)', actorId: 'mira-a', x: 2, y: 1 },
      bard: { name: 'Bard', actorId: 'bard-a' },
      lamp: { name: 'Lamp' },
    },
    actors: { 'orc-a': { name: 'Orc', hp: 15, _version: 2 }, 'mira-a': { name: 'Mira', hp: 20 }, 'bard-a': { name: 'Bard', hp: 9 } },
  };
  const gmState: JsonObject = { tokens: { lurker: { name: 'Lurker' } }, actors: { 'bard-a': { secret: 'is a spy' } } };
  const table = createJsonReader(tableState);
  const hidden = createJsonReader(gmState);

  it('[EM23] GM only; the token must be on the table and not already hidden', () => {
    expect(tokenHideIntent.validate({ tokenId: 'orc' }, table, playerCtx)).toMatchObject({ ok: false, reason: RejectReason.PermissionDenied });
    expect(tokenHideIntent.validate({ tokenId: 'orc' }, table, { ...playerCtx, role: undefined })).toMatchObject({ ok: false, reason: RejectReason.PermissionDenied });
    expect(tokenHideIntent.validate({ tokenId: 'orc' }, table, gmCtx(hidden))).toEqual({ ok: true });
    expect(tokenHideIntent.validate({ tokenId: 'nope' }, table, gmCtx(hidden))).toMatchObject({ ok: false, reason: RejectReason.RuleViolation });
    expect(tokenHideIntent.validate({ tokenId: 'lurker' }, table, gmCtx(hidden))).toMatchObject({ ok: false, reason: RejectReason.RuleViolation });
    const clash = createJsonReader({ tokens: { lurker: { name: 'on the table too' } } });
    expect(tokenHideIntent.validate({ tokenId: 'lurker' }, clash, gmCtx(hidden))).toMatchObject({ ok: false, reason: RejectReason.RuleViolation, detail: expect.stringContaining('exists already') });
    const reason = (payload: unknown) => {
      const r = validateIntent({ ...createIntent('token:hide', null), payload, checksum: undefined }, registry);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason({ tokenId: 'orc' })).toBe('ok');
    expect(reason({ tokenId: '' })).toBe('schema-violation');
    expect(reason({ tokenId: 'orc', x: 1 })).toBe('schema-violation');
  });

  it('[EM23] a monster leaves with its own actor: the table patch removes, the GM patch adds, without versions, in one effect for everyone', () => {
    expect(tokenHideIntent.effects!(event({ tokenId: 'orc' }), table, hidden)).toEqual({
      table: [
        { op: 'remove', path: '/tokens/orc' },
        { op: 'remove', path: '/actors/orc-a' },
      ],
      gm: [
        { op: 'add', path: '/tokens/orc', value: { name: 'Orc', actorId: 'orc-a', x: 5, y: 6 } },
        { op: 'add', path: '/actors/orc-a', value: { name: 'Orc', hp: 15 } },
      ],
      audience: 'all',
    });
    expect(tokenHideIntent.reduce(event({ tokenId: 'orc' }), table)).toEqual([]);
  });

  it('[EM23] an actor another token on the table still names stays; so does one the GM doc keeps its own entry for; a token without an actor goes alone', () => {
    const only = (tokenId: string) => ({
      table: [{ op: 'remove', path: `/tokens/${tokenId}` }],
      gm: [{ op: 'add', path: `/tokens/${tokenId}`, value: (tableState.tokens as JsonObject)[tokenId] }],
      audience: 'all',
    });
    expect(tokenHideIntent.effects!(event({ tokenId: 'mira2' }), table, hidden)).toEqual(only('mira2'));
    expect(tokenHideIntent.effects!(event({ tokenId: 'bard' }), table, hidden)).toEqual(only('bard'));
    expect(tokenHideIntent.effects!(event({ tokenId: 'lamp' }), table, hidden)).toEqual(only('lamp'));
    // Once the mirror image is gone, Mira's last token takes her actor with it.
    const fewer = createJsonReader(applyPatch(tableState, [{ op: 'remove', path: '/tokens/mira2' }]));
    expect(tokenHideIntent.effects!(event({ tokenId: 'mira1' }), fewer, hidden)?.table).toEqual([
      { op: 'remove', path: '/tokens/mira1' },
      { op: 'remove', path: '/actors/mira-a' },
    ]);
  });

  it('[EM23][EM20] hiding then revealing puts the table back as it was, versions aside, and leaves the GM doc as it was', () => {
    const strip = (state: JsonObject): JsonObject => JSON.parse(JSON.stringify(state, (key, value: unknown) => (key === '_version' ? undefined : value))) as JsonObject;
    for (const tokenId of ['orc', 'mira1', 'mira2', 'bard', 'lamp']) {
      const hide = tokenHideIntent.effects!(event({ tokenId }), table, hidden);
      const tableHidden = applyPatch(tableState, hide.table) as JsonObject;
      const gmHidden = applyPatch(gmState, hide.gm ?? []) as JsonObject;
      expect((tableHidden.tokens as JsonObject)[tokenId], tokenId).toBeUndefined();
      const reveal = tokenRevealIntent.effects!(event({ tokenId }), createJsonReader(tableHidden), createJsonReader(gmHidden));
      expect(strip(applyPatch(tableHidden, reveal.table) as JsonObject), tokenId).toEqual(strip(tableState));
      expect(applyPatch(gmHidden, reveal.gm ?? []), tokenId).toEqual(gmState);
    }
  });
});

describe('GM document and log views', () => {
  it('[EM21] the GM doc has its own roots; a patch checked against a doc changes nothing and fails like applyPatchToDoc', () => {
    const doc = new Y.Doc();
    applyPatchToDoc(doc, GM_DOC_SCHEMA, [
      { op: 'add', path: '/notes/n1', value: { text: 'secret' } },
      { op: 'add', path: '/dice/-', value: { total: 3 } },
    ]);
    expect(projectDoc(doc, GM_DOC_SCHEMA)).toEqual({ meta: {}, tokens: {}, actors: {}, notes: { n1: { text: 'secret' } }, fog: {}, dice: [{ total: 3 }] });
    expect(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, [{ op: 'add', path: '/notes/n2', value: 1 }])).toThrow(JsonPatchError);
    const before = Y.encodeStateAsUpdate(doc);
    checkPatchOnDoc(doc, GM_DOC_SCHEMA, [{ op: 'remove', path: '/notes/n1' }]);
    expect(() => checkPatchOnDoc(doc, GM_DOC_SCHEMA, [{ op: 'remove', path: '/notes/n9' }])).toThrow(JsonPatchError);
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(createDocReader(doc, GM_DOC_SCHEMA).get('/notes/n1/text')).toBe('secret');
  });

  it('[EM21] a redacted entry is only its sequence; the view schema accepts it and whole entries', () => {
    expect(RedactedLogEntrySchema.safeParse({ sequence: 3, redacted: true }).success).toBe(true);
    expect(RedactedLogEntrySchema.safeParse({ sequence: 3, redacted: true, type: 'dice:roll' }).success).toBe(false);
    expect(LogEntryViewSchema.safeParse({ sequence: 3, redacted: true }).success).toBe(true);
  });
});
