import { type JsonObject, TABLE_DOC_SCHEMA, applyPatchToDoc, createDocReader, createJsonReader, projectDoc } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SAVE_POOL_SIZE } from './area-targets.ts';
import { type CastAoePayload, castAoeIntent } from './cast-aoe-intent.ts';
import { GM, MIRA_PLAYER, THORIN_PLAYER, actorIn, detailOf, event, fixedDice, goblin, lastChat, mira, reasonOf, run, table, thorin } from './table.fixture.ts';

/** 8d6 = 28. */
const DAMAGE = [6, 6, 6, 6, 1, 1, 1, 1];
/** Save d20 pairs in actor-id order (goblin, thorin, …), the rest of the pool filler. */
const saves = (...pairs: [number, number][]) => [...pairs.flat(), ...Array<number>(SAVE_POOL_SIZE - 2 * pairs.length).fill(10)];

/** Mira at (0,5) aims a fireball at (1,0): Thorin (0,0) and the goblin (1,0) are inside, Mira 25 ft away is not. */
const fireball = (rolls?: CastAoePayload['rolls'], extra: Partial<CastAoePayload> = {}): CastAoePayload => ({
  casterId: 'mira',
  spell: 'fireball',
  x: 1,
  y: 0,
  ...(rolls ? { rolls } : {}),
  ...extra,
});

const hp = (doc: JsonObject, id: string) => (actorIn(doc, id).hp as JsonObject).value;

describe('plugin:dnd5e:cast-aoe', () => {
  it('[D15] fireball: one 8d6 roll, a DEX save per creature against 8 + proficiency + INT, half on a success', () => {
    // Goblin: 12 + 2 = 14 ≥ DC 13, takes 14 of its 7 HP and dies. Thorin: 3 + 1 = 4, takes 28.
    const { doc, patch } = run(castAoeIntent, fireball({ damage: DAMAGE, saves: saves([12, 12], [3, 3]) }), table(), MIRA_PLAYER);
    expect(actorIn(doc, 'goblin')).toMatchObject({ hp: { value: 0 }, dead: true });
    expect(hp(doc, 'thorin')).toBe(2);
    expect(hp(doc, 'mira')).toBe(14);
    expect(actorIn(doc, 'mira').spellSlots).toEqual({ '1': { max: 4, used: 0 }, '3': { max: 2, used: 1 } });
    expect(patch.filter((op) => op.path === '/chat/-')).toHaveLength(1);
    expect(lastChat(doc)).toMatchObject({
      text: 'Mira casts Fireball (DC 13 DEX save): 28 fire. Goblin saves (14) and takes 14. Goblin dies. Thorin fails (4) and takes 28.',
      card: { dc: 13, targets: ['goblin', 'thorin'], damage: { rolled: 28, faces: DAMAGE, type: 'fire' }, results: [{ actorId: 'goblin', success: true, taken: 14 }, { actorId: 'thorin', success: false, taken: 28 }] },
    });
  });

  it('[D15] consumes a slot of the spell’s level; without one, or with a lower slot, it is rejected', () => {
    expect(detailOf(castAoeIntent, fireball(), table({ mira: mira({ spellSlots: { '3': { max: 2, used: 2 } } }) }))).toMatch(/no level 3 spell slot left/);
    expect(detailOf(castAoeIntent, fireball(), table({ mira: mira({ spellSlots: { '1': { max: 4, used: 0 } } }) }))).toMatch(/no level 3 spell slot/);
    expect(detailOf(castAoeIntent, fireball(undefined, { slotLevel: 2 }), table())).toMatch(/level 3 spell; a level 2 slot cannot cast it/);
  });

  it('[D15] a higher slot adds the upcast dice and spends that slot', () => {
    const doc = table({ mira: mira({ spellSlots: { '5': { max: 1, used: 0 } } }), thorin: thorin({ hp: { value: 60, max: 60 } }) });
    expect(detailOf(castAoeIntent, fireball({ damage: DAMAGE, saves: saves() }, { slotLevel: 5 }), doc)).toMatch(/8 dice for a pool of 10/);
    const after = run(castAoeIntent, fireball({ damage: [...DAMAGE, 6, 6], saves: saves([1, 1], [1, 1]) }, { slotLevel: 5 }), doc).doc;
    expect(hp(after, 'thorin')).toBe(60 - 40);
    expect(actorIn(after, 'mira').spellSlots).toEqual({ '5': { max: 1, used: 1 } });
  });

  it('[D2] [D15] the caster must be the caller’s (or the GM’s), able to act, know the spell and have a token in range', () => {
    expect(reasonOf(castAoeIntent, fireball(), table(), THORIN_PLAYER)).toBe(RejectReason.PermissionDenied);
    expect(reasonOf(castAoeIntent, fireball(), table(), GM)).toBe('ok');
    expect(detailOf(castAoeIntent, fireball(), table({ mira: mira({ spells: ['burning-hands'] }) }))).toMatch(/Mira cannot cast Fireball/);
    const noCasting = mira();
    delete noCasting.spellcastingAbility;
    expect(detailOf(castAoeIntent, fireball(), table({ mira: noCasting }))).toMatch(/no spellcasting ability/);
    expect(detailOf(castAoeIntent, fireball(), table({ mira: mira({ conditions: ['paralyzed'] }) }))).toMatch(/incapacitated/);
    expect(detailOf(castAoeIntent, fireball(), table({}, { 't-mira': null }))).toMatch(/no token/);
    expect(detailOf(castAoeIntent, fireball(undefined, { x: 0, y: 40 }), table())).toMatch(/range of 150 ft; that point is 175 ft away/);
  });

  it('[D3] claimed dice are checked: a 7 on a d6 or a short save pool is rejected; prepare overwrites claims', () => {
    expect(detailOf(castAoeIntent, fireball({ damage: [7, 6, 6, 6, 1, 1, 1, 1], saves: saves() }), table())).toMatch(/7 is not a face of a d6/);
    expect(detailOf(castAoeIntent, fireball({ damage: DAMAGE, saves: [20, 20] }), table())).toMatch(/2 d20s instead of 80/);
    const prepared = castAoeIntent.prepare!(fireball({ damage: [6, 6, 6, 6, 6, 6, 6, 6], saves: [] }), fixedDice(...DAMAGE.map((f): [number, number] => [f, 6])), GM);
    expect(prepared.rolls!.damage).toEqual(DAMAGE);
    expect(prepared.rolls!.saves).toHaveLength(SAVE_POOL_SIZE);
    expect(reasonOf(castAoeIntent, prepared, table())).toBe('ok');
  });

  it('[D15] saves use derived conditions: restrained has disadvantage on DEX, paralyzed fails outright', () => {
    const doc = table({ goblin: goblin({ hp: { value: 40, max: 40 }, conditions: ['restrained'] }), thorin: thorin({ conditions: ['paralyzed'] }) });
    const after = run(castAoeIntent, fireball({ damage: DAMAGE, saves: saves([18, 2], [20, 20]) }), doc).doc;
    expect(lastChat(after).card).toMatchObject({ results: [{ actorId: 'goblin', mode: 'disadvantage', natural: 2, success: false }, { actorId: 'thorin', autoFail: true, success: false }] });
    expect(hp(after, 'goblin')).toBe(12);
  });

  it('[D7] [D15] resistance applies after the save halves: 28 → 14 → 7', () => {
    const doc = table({ goblin: goblin({ hp: { value: 40, max: 40 }, resistances: ['fire'] }) });
    expect(hp(run(castAoeIntent, fireball({ damage: DAMAGE, saves: saves([19, 19], [1, 1]) }), doc).doc, 'goblin')).toBe(33);
  });

  it('[D15] targets come from token positions when the server sequences it: each living actor once', () => {
    const doc = table(
      { goblin: goblin({ hp: { value: 40, max: 40 } }), ogre: goblin({ name: 'Ogre', dead: true, hp: { value: 0, max: 50 } }) },
      { 't-goblin-2': { actorId: 'goblin', x: 2, y: 0 }, 't-ogre': { actorId: 'ogre', x: 1, y: 1 }, 't-thorin': { actorId: 'thorin', x: 9, y: 9 }, 't-broken': { actorId: 'nobody', x: 1, y: 0 } },
    );
    const after = run(castAoeIntent, fireball({ damage: DAMAGE, saves: saves([1, 1]) }), doc).doc;
    expect(lastChat(after).card).toMatchObject({ targets: ['goblin'] });
    expect(hp(after, 'goblin')).toBe(12);
    expect(hp(after, 'thorin')).toBe(30);
  });

  it('[D15] more creatures in the area than the save pool covers is rejected', () => {
    const crowd: JsonObject = {};
    const crowdTokens: JsonObject = {};
    for (let i = 0; i < 41; i++) {
      crowd[`g${String(i).padStart(2, '0')}`] = goblin();
      crowdTokens[`t${i}`] = { actorId: `g${String(i).padStart(2, '0')}`, x: 1, y: 0 };
    }
    expect(detailOf(castAoeIntent, fireball(), table(crowd, crowdTokens))).toMatch(/more than 40 creatures/);
  });

  it('[D16] burning hands is one table entry: a 15-ft cone from the caster, a 1st-level slot', () => {
    const doc = table({ goblin: goblin({ hp: { value: 40, max: 40 } }) }, { 't-mira': { actorId: 'mira', x: 4, y: 0 } });
    // Mira at (4,0) faces west: the goblin (1,0) is 15 ft away, Thorin (0,0) 20 ft — outside.
    const payload: CastAoePayload = { casterId: 'mira', spell: 'burning-hands', x: 0, y: 0, rolls: { damage: [6, 6, 6], saves: saves([1, 1]) } };
    const after = run(castAoeIntent, payload, doc).doc;
    expect(hp(after, 'goblin')).toBe(22);
    expect(hp(after, 'thorin')).toBe(30);
    expect(actorIn(after, 'mira').spellSlots).toMatchObject({ '1': { used: 1 } });
    expect(detailOf(castAoeIntent, { ...payload, x: 4, y: 0 }, doc)).toMatch(/needs a direction/);
  });

  it('[D3] prediction without dice: the slot is spent, a pending card names the targets, no HP change', () => {
    const state = createJsonReader(table());
    const patch = castAoeIntent.reduce(event(castAoeIntent.type, fireball(), 'u-mira'), state);
    expect(patch).toEqual([
      { op: 'replace', path: '/actors/mira/spellSlots/3/used', value: 1 },
      { op: 'add', path: '/chat/-', value: expect.objectContaining({ pending: true, card: expect.objectContaining({ targets: ['goblin', 'thorin'] }) }) },
    ]);
  });

  it('[D15] everything lands in one Yjs transaction: one update for slot, every target and the card', () => {
    const doc = new Y.Doc();
    const start = table();
    doc.transact(() => {
      for (const root of ['actors', 'tokens'] as const) {
        for (const [id, value] of Object.entries(start[root] as JsonObject)) applyPatchToDoc(doc, TABLE_DOC_SCHEMA, [{ op: 'add', path: `/${root}/${id}`, value }]);
      }
    });
    const reader = createDocReader(doc, TABLE_DOC_SCHEMA);
    const payload = fireball({ damage: DAMAGE, saves: saves([12, 12], [3, 3]) });
    expect(castAoeIntent.validate(payload, reader, MIRA_PLAYER)).toEqual({ ok: true });
    const patch = castAoeIntent.reduce(event(castAoeIntent.type, payload, 'u-mira', 11), reader);
    let updates = 0;
    doc.on('update', () => updates++);
    doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, patch));
    expect(updates).toBe(1);
    const json = projectDoc(doc, TABLE_DOC_SCHEMA) as JsonObject;
    expect(hp(json, 'thorin')).toBe(2);
    expect(actorIn(json, 'goblin').dead).toBe(true);
  });
});
