import { type JsonObject, TABLE_DOC_SCHEMA, applyPatchToDoc, createDocReader, createJsonReader, projectDoc } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type AttackPayload, attackIntent } from './attack-intent.ts';
import { ANONYMOUS, GM, MIRA_PLAYER, THORIN_PLAYER, actorIn, detailOf, event, fixedDice, goblin, lastChat, reasonOf, run, table, thorin } from './table.fixture.ts';

const swing = (rolls?: AttackPayload['rolls'], extra: Partial<AttackPayload> = {}): AttackPayload => ({
  attackerId: 'thorin',
  targetId: 'goblin',
  weaponId: 'longsword',
  damageDice: '1d8',
  ...(rolls ? { rolls } : {}),
  ...extra,
});

describe('plugin:dnd5e:attack', () => {
  it('[D2] a player attacks only with actors they own (an absent role is a player); the GM with any', () => {
    expect(reasonOf(attackIntent, swing(), table(), THORIN_PLAYER)).toBe('ok');
    expect(reasonOf(attackIntent, swing(), table(), ANONYMOUS)).toBe('ok');
    expect(reasonOf(attackIntent, swing(), table(), MIRA_PLAYER)).toBe(RejectReason.PermissionDenied);
    const goblinAttacks = { attackerId: 'goblin', targetId: 'thorin', weaponId: 'scimitar', damageDice: '1d6' };
    expect(reasonOf(attackIntent, goblinAttacks, table(), THORIN_PLAYER)).toBe(RejectReason.PermissionDenied);
    expect(reasonOf(attackIntent, goblinAttacks, table(), GM)).toBe('ok');
  });

  it('[D3] prepare rolls two d20s and two copies of the damage dice with the server source, overwriting claims', () => {
    const claimed = swing({ d20: [20, 20], damage: [8, 8] });
    const prepared = attackIntent.prepare!(claimed, fixedDice([7, 20], [13, 20], [3, 8], [5, 8]), GM);
    expect(prepared.rolls).toEqual({ d20: [7, 13], damage: [3, 5] });
    expect(attackIntent.prepare!(swing(), fixedDice([7, 20], [13, 20], [3, 8], [5, 8]), GM)).toEqual(prepared);
    expect(reasonOf(attackIntent, prepared, table(), THORIN_PLAYER)).toBe('ok');
  });

  it('[D3] claimed rolls the rules do not allow are rejected: a d20 of 27, 50 damage from a dagger, a wrong dice count', () => {
    expect(detailOf(attackIntent, swing({ d20: [27, 3], damage: [1, 1] }), table())).toMatch(/27 is not a face of a d20/);
    const dagger = { attackerId: 'mira', targetId: 'goblin', weaponId: 'dagger', damageDice: '1d4' };
    const doc = table({}, { 't-mira': { actorId: 'mira', x: 2, y: 0 } });
    expect(reasonOf(attackIntent, dagger, doc)).toBe('ok');
    expect(detailOf(attackIntent, { ...dagger, rolls: { d20: [10, 10], damage: [50, 1] } }, doc)).toMatch(/50 is not a face of a d4/);
    expect(detailOf(attackIntent, swing({ d20: [10], damage: [1, 1] }), table())).toMatch(/1 d20s instead of 2/);
    expect(detailOf(attackIntent, swing({ d20: [10, 10], damage: [1] }), table())).toMatch(/1 dice for a pool of 2/);
    // A claim of different dice than the weapon deals:
    expect(detailOf(attackIntent, swing(undefined, { damageDice: '1d12' }), table())).toMatch(/Longsword deals 1d8, not 1d12/);
  });

  it('[D6] the attacker must exist, be alive and able to act, wield the weapon and reach a living target', () => {
    const reject = (doc: JsonObject, payload = swing()) => detailOf(attackIntent, payload, doc);
    expect(reject(table({ thorin: thorin({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious'] }) }))).toMatch(/Thorin is unconscious/);
    expect(reject(table({ thorin: thorin({ conditions: ['stunned'] }) }))).toMatch(/incapacitated/);
    expect(reject(table({ thorin: thorin({ dead: true, hp: { value: 0, max: 30, temp: 0 } }) }))).toMatch(/Thorin is dead/);
    expect(reject(table({ goblin: goblin({ dead: true, hp: { value: 0, max: 7, temp: 0 } }) }))).toMatch(/Goblin is already dead/);
    expect(reject(table(), swing(undefined, { targetId: 'ghost' }))).toMatch(/no actor "ghost"/);
    expect(reject(table(), swing(undefined, { weaponId: 'axe' }))).toMatch(/no weapon "axe"/);
    expect(reject(table(), swing(undefined, { weaponId: 'toString' }))).toMatch(/no weapon "toString"/);
    expect(reject(table(), swing(undefined, { targetId: 'mira' }))).toMatch(/reaches 5 ft; the target is 25 ft away/);
    expect(reject(table(), swing(undefined, { targetId: 'mira', weaponId: 'longbow' }))).toBe('ok');
    expect(reject(table({ goblin: goblin({ hp: { value: -3, max: 7 } }) }))).toMatch(/malformed/);
  });

  it('[D6] a hit deals the weapon dice + ability modifier; the chat card tells the story', () => {
    const { doc, patch } = run(attackIntent, swing({ d20: [12, 3], damage: [2, 8] }), table({ goblin: goblin({ hp: { value: 7, max: 7, temp: 0 }, ac: 15 }) }), THORIN_PLAYER);
    // 12 + 5 = 17 vs AC 15: hit for 2 + 3 = 5.
    expect(actorIn(doc, 'goblin').hp).toEqual({ value: 2, max: 7, temp: 0 });
    expect(patch[0]).toEqual({ op: 'replace', path: '/actors/goblin/hp/value', value: 2 });
    expect(lastChat(doc)).toMatchObject({ id: 'e1', userId: 'u-thorin', sequence: 11, text: 'Thorin attacks Goblin with Longsword: 12+5 = 17 vs AC 15, hit for 5 slashing.', card: { system: 'dnd5e', hit: true, critical: false, damage: { rolled: 5, taken: 5 } } });
  });

  it('[D6] a critical hit doubles the dice and a miss changes no HP', () => {
    const crit = run(attackIntent, swing({ d20: [20, 3], damage: [2, 8] }), table({ goblin: goblin({ hp: { value: 30, max: 30, temp: 0 } }) })).doc;
    expect((actorIn(crit, 'goblin').hp as JsonObject).value).toBe(30 - (2 + 8 + 3));
    const miss = run(attackIntent, swing({ d20: [1, 20], damage: [8, 8] }), table());
    expect(miss.patch).toHaveLength(1);
    expect(miss.patch[0]!.path).toBe('/chat/-');
    expect(actorIn(miss.doc, 'goblin')).toEqual(actorIn(table(), 'goblin'));
  });

  it('[D5] [D6] conditions decide which d20 counts: a restrained goblin is hit with the better die', () => {
    const doc = table({ goblin: goblin({ conditions: ['restrained'] }) });
    const { doc: after } = run(attackIntent, swing({ d20: [2, 15], damage: [4, 4] }), doc);
    expect(lastChat(after).card).toMatchObject({ mode: 'advantage', natural: 15, hit: true });
  });

  it('[D8] an NPC dropped to 0 dies; a character dropped to 0 falls unconscious and prone', () => {
    const dead = run(attackIntent, swing({ d20: [15, 3], damage: [8, 8] }), table()).doc;
    expect(actorIn(dead, 'goblin')).toMatchObject({ hp: { value: 0 }, dead: true });
    expect(lastChat(dead).text).toMatch(/Goblin dies\.$/);
    const hit = { attackerId: 'goblin', targetId: 'thorin', weaponId: 'scimitar', damageDice: '1d6', rolls: { d20: [19, 1], damage: [6, 6] } };
    const down = run(attackIntent, hit, table({ thorin: thorin({ hp: { value: 5, max: 30, temp: 0 } }) })).doc;
    expect(actorIn(down, 'thorin')).toMatchObject({ hp: { value: 0 }, conditions: ['unconscious', 'prone'], dead: false });
  });

  it('[D9] a melee hit on an unconscious character is a crit: two death-save failures', () => {
    const hit = { attackerId: 'goblin', targetId: 'thorin', weaponId: 'scimitar', damageDice: '1d6', rolls: { d20: [2, 5], damage: [1, 1] } };
    const doc = table({ thorin: thorin({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious', 'prone'] }) });
    // Advantage (unconscious, prone within 5 ft): 5 + 4 = 9 vs AC 18 misses…
    expect(lastChat(run(attackIntent, hit, doc).doc).card).toMatchObject({ hit: false });
    const hits = run(attackIntent, { ...hit, rolls: { d20: [2, 14], damage: [1, 1] } }, doc).doc;
    expect(actorIn(hits, 'thorin').deathSaves).toEqual({ successes: 0, failures: 2 });
    expect(lastChat(hits).card).toMatchObject({ critical: true });
  });

  it('[D3] prediction without the server’s dice: a pending card and no HP change, never a throw', () => {
    const state = createJsonReader(table());
    expect(attackIntent.validate(swing(), state, THORIN_PLAYER)).toEqual({ ok: true });
    const patch = attackIntent.reduce(event(attackIntent.type, swing(), 'u-thorin'), state);
    expect(patch).toEqual([
      {
        op: 'add',
        path: '/chat/-',
        value: expect.objectContaining({ pending: true, text: 'Thorin attacks Goblin with Longsword…', card: expect.objectContaining({ mode: 'normal', ac: 15, toHit: 5 }) }),
      },
    ]);
    expect(attackIntent.reduce(event(attackIntent.type, swing(undefined, { targetId: 'ghost' })), state)).toEqual([]);
  });

  it('[D17] concurrent hits compose: a goblin at 10 HP hit for 8 and for 5 ends at 0 in either order', () => {
    const start = table({ goblin: goblin({ hp: { value: 10, max: 10, temp: 0 } }) });
    const eight = swing({ d20: [15, 15], damage: [5, 1] }); // 5 + 3
    const five = swing({ d20: [15, 15], damage: [2, 1] }); // 2 + 3
    const a = run(attackIntent, five, run(attackIntent, eight, start).doc).doc;
    const b = run(attackIntent, eight, run(attackIntent, five, start).doc).doc;
    expect(actorIn(a, 'goblin')).toMatchObject({ hp: { value: 0 }, dead: true });
    expect(actorIn(b, 'goblin')).toMatchObject({ hp: { value: 0 }, dead: true });
  });

  it('[D1] the patch applies to a Yjs table doc, writing single fields of the existing maps (temp HP absent stays absent)', () => {
    const doc = new Y.Doc();
    const seed = [
      { op: 'add', path: '/actors/goblin', value: goblin({ hp: { value: 10, max: 10 } }) },
      { op: 'add', path: '/actors/thorin', value: thorin() },
      { op: 'add', path: '/tokens/t-thorin', value: { actorId: 'thorin', x: 0, y: 0 } },
      { op: 'add', path: '/tokens/t-goblin', value: { actorId: 'goblin', x: 1, y: 0 } },
    ] as const;
    doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, [...seed]));
    const hp = (doc.getMap('actors').get('goblin') as Y.Map<unknown>).get('hp');
    const reader = createDocReader(doc, TABLE_DOC_SCHEMA);
    const payload = swing({ d20: [15, 15], damage: [5, 1] });
    expect(attackIntent.validate(payload, reader, GM)).toEqual({ ok: true });
    const patch = attackIntent.reduce(event(attackIntent.type, payload), reader);
    doc.transact(() => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, patch));
    expect((doc.getMap('actors').get('goblin') as Y.Map<unknown>).get('hp')).toBe(hp);
    expect(projectDoc(doc, TABLE_DOC_SCHEMA)).toMatchObject({ actors: { goblin: { hp: { value: 2, max: 10 } } }, chat: [{ id: 'e1' }] });
  });
});
