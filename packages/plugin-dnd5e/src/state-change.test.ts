import { type JsonObject, type JsonPatchOp, type JsonValue, type ReducibleEvent, createJsonReader } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import { DND5E_INTENT_TYPES } from './ids.ts';
import { validateStateChange } from './state-change.ts';
import { GM, THORIN_PLAYER, event, table, thorin } from './table.fixture.ts';

const dying = table({ thorin: thorin({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious', 'prone'], deathSaves: { successes: 0, failures: 2 } }) });
const save: ReducibleEvent<JsonValue> = event(DND5E_INTENT_TYPES.deathSave, { actorId: 'thorin', roll: 3 });
const check = (patch: JsonPatchOp[], doc: JsonObject = dying, ctx = GM, e = save) => {
  const verdict = validateStateChange({ event: e, patch }, createJsonReader(doc), ctx);
  return verdict.ok ? 'ok' : verdict.detail;
};

describe('validateStateChange', () => {
  it('[D20] the GM may soften a death: two failures and 1 HP instead', () => {
    expect(check([{ op: 'replace', path: '/actors/thorin/deathSaves', value: { successes: 0, failures: 0 } }, { op: 'replace', path: '/actors/thorin/hp/value', value: 1 }, { op: 'replace', path: '/actors/thorin/conditions', value: ['prone'] }])).toBe('ok');
    expect(check([{ op: 'replace', path: '/actors/thorin/deathSaves/failures', value: 2 }, { op: 'add', path: '/chat/-', value: { text: 'The GM spares Thorin' } }])).toBe('ok');
  });

  it('[D20] GM only', () => {
    const verdict = validateStateChange({ event: save, patch: [] }, createJsonReader(dying), THORIN_PLAYER);
    expect(verdict).toMatchObject({ ok: false, reason: RejectReason.PermissionDenied });
  });

  it('[D20] only the actors the event involves, and only their rules fields', () => {
    expect(check([{ op: 'replace', path: '/actors/goblin/hp/value', value: 1 }])).toMatch(/"goblin" is not involved/);
    expect(check([{ op: 'replace', path: '/tokens/t-thorin/x', value: 3 }])).toMatch(/outside the actors/);
    expect(check([{ op: 'replace', path: '/actors/thorin/name', value: 'Thorin the Undying' }])).toMatch(/only HP, temporary HP/);
    expect(check([{ op: 'replace', path: '/actors/thorin/hp/max', value: 99 }])).toMatch(/only HP/);
    expect(check([{ op: 'replace', path: '/actors/thorin/_version', value: 0 }])).toMatch(/only HP/);
    expect(check([{ op: 'replace', path: '/actors/thorin/spellSlots', value: { '9': { max: 5, used: 0 } } }])).toMatch(/only HP/);
    expect(check([{ op: 'remove', path: '/actors/thorin' }])).toMatch(/may not remove an actor/);
    expect(check([{ op: 'copy', from: '/actors/thorin', path: '/actors/thorin2' }])).toMatch(/copy is not allowed/);
    expect(check([], dying, GM, event('chat:message', { text: 'x' }))).toMatch(/not a dnd5e intent/);
  });

  it('[D20] the result must obey the data model: HP within 0..max, known conditions, death saves 0–3, consistent death', () => {
    expect(check([{ op: 'replace', path: '/actors/thorin/hp/value', value: 31 }])).toMatch(/above the maximum/);
    expect(check([{ op: 'replace', path: '/actors/thorin/hp/value', value: -1 }])).toMatch(/hp.value/);
    expect(check([{ op: 'replace', path: '/actors/thorin/conditions', value: ['sleepy'] }])).toMatch(/unknown condition "sleepy"/);
    expect(check([{ op: 'replace', path: '/actors/thorin/conditions', value: ['prone', 'prone'] }])).toMatch(/twice/);
    expect(check([{ op: 'replace', path: '/actors/thorin/deathSaves/failures', value: 4 }])).toMatch(/deathSaves.failures/);
    expect(check([{ op: 'replace', path: '/actors/thorin/dead', value: true }, { op: 'replace', path: '/actors/thorin/hp/value', value: 5 }])).toMatch(/dead with 5 HP/);
    expect(check([{ op: 'replace', path: '/actors/thorin/hp/value', value: 5 }])).toMatch(/death saves above 0 HP/);
    expect(check([{ op: 'replace', path: '/actors/thorin/hp/nope/deeper', value: 5 }])).toMatch(/does not apply/);
  });

  it('[D20] an area spell involves every creature its reducer touches', () => {
    const fireball = event(DND5E_INTENT_TYPES.castAoe, { casterId: 'mira', spell: 'fireball', x: 1, y: 0 });
    expect(check([{ op: 'replace', path: '/actors/goblin/hp/value', value: 1 }, { op: 'replace', path: '/actors/mira/spellSlots/3/used', value: 1 }], table(), GM, fireball)).toBe('ok');
    expect(check([{ op: 'replace', path: '/actors/mira/spellSlots/3/used', value: 3 }], table(), GM, fireball)).toMatch(/3 level 3 slots used of 2/);
  });
});
