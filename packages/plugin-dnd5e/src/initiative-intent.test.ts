import { createJsonReader } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import { rollInitiativeIntent, turnOrder } from './initiative-intent.ts';
import { GM, THORIN_PLAYER, detailOf, event, fixedDice, goblin, lastChat, reasonOf, run, table } from './table.fixture.ts';

const ALL = ['t-thorin', 't-goblin', 't-mira'];

describe('plugin:dnd5e:roll-initiative', () => {
  it('[D2] [D24] the GM starts an encounter; a player cannot', () => {
    expect(reasonOf(rollInitiativeIntent, { tokenIds: ALL }, table(), GM)).toBe('ok');
    expect(reasonOf(rollInitiativeIntent, { tokenIds: ALL }, table(), THORIN_PLAYER)).toBe(RejectReason.PermissionDenied);
  });

  it('[D24] every combatant once, each a token on the table', () => {
    expect(detailOf(rollInitiativeIntent, { tokenIds: ['t-thorin', 't-thorin'] }, table())).toMatch(/listed twice/);
    expect(detailOf(rollInitiativeIntent, { tokenIds: ['t-thorin', 't-hidden'] }, table())).toMatch(/no token "t-hidden"/);
  });

  it('[D3] [D24] the server rolls one d20 a combatant, overwriting a claim; an impossible claim is rejected', () => {
    expect(rollInitiativeIntent.prepare!({ tokenIds: ALL, rolls: [20, 20, 20] }, fixedDice([4, 20], [11, 20], [17, 20]), GM)).toEqual({ tokenIds: ALL, rolls: [4, 11, 17] });
    expect(detailOf(rollInitiativeIntent, { tokenIds: ALL, rolls: [4, 11] }, table())).toMatch(/2 d20s instead of 3/);
    expect(detailOf(rollInitiativeIntent, { tokenIds: ALL, rolls: [4, 11, 21] }, table())).toMatch(/21 is not a face/);
  });

  it('[D24] d20 + DEX modifier, highest first; round 1 and the first turn; the order in chat', () => {
    // Thorin DEX 12 (+1), goblin DEX 14 (+2), Mira DEX 14 (+2).
    const { doc } = run(rollInitiativeIntent, { tokenIds: ALL, rolls: [15, 9, 18] }, table());
    expect(doc.encounter).toEqual({
      active: true,
      round: 1,
      turn: 0,
      combatants: [
        { tokenId: 't-mira', name: 'Mira', roll: 18, dex: 14, initiative: 20 },
        { tokenId: 't-thorin', name: 'Thorin', roll: 15, dex: 12, initiative: 16 },
        { tokenId: 't-goblin', name: 'Goblin', roll: 9, dex: 14, initiative: 11 },
      ],
    });
    expect(lastChat(doc).text).toBe('Initiative: Mira 20, Thorin 16, Goblin 11.');
  });

  it('[D24] a tie goes to the higher DEX score, then to the token id, so every peer orders alike', () => {
    const doc = table({ ogre: goblin({ name: 'Ogre', abilities: { str: 19, dex: 8, con: 16, int: 5, wis: 7, cha: 7 } }) }, { 't-ogre': { actorId: 'ogre', x: 3, y: 3 } });
    // Goblin 12 + 2 = 14; ogre 15 − 1 = 14: the goblin's DEX 14 beats the ogre's 8.
    const { doc: after } = run(rollInitiativeIntent, { tokenIds: ['t-ogre', 't-goblin'], rolls: [15, 12] }, doc);
    expect((after.encounter as { combatants: { tokenId: string }[] }).combatants.map((c) => c.tokenId)).toEqual(['t-goblin', 't-ogre']);
    const same = { name: 'x', dex: 10 };
    expect(turnOrder(['b', 'a'], [10, 10], () => same).map((c) => c.tokenId)).toEqual(['a', 'b']);
  });

  it('[D3] prediction without the rolls: a pending card, no encounter yet', () => {
    const patch = rollInitiativeIntent.reduce(event(rollInitiativeIntent.type, { tokenIds: ALL }), createJsonReader(table()));
    expect(patch).toHaveLength(1);
    expect(patch[0]).toMatchObject({ op: 'add', path: '/chat/-', value: { pending: true } });
  });
});
