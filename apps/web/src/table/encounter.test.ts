import { describe, expect, it } from 'vitest';
import { nextTurn, previousTurn, readEncounter } from './encounter.ts';

describe('encounter', () => {
  const three = { active: true, round: 2, turn: 2, combatants: [{ tokenId: 'a', name: 'A', initiative: 20 }, { tokenId: 'b', name: 'B', initiative: 12 }, { tokenId: 'c', name: 'C', initiative: 3 }] };

  it('reads what an initiative roll wrote, and none for anything else', () => {
    expect(readEncounter(three)).toEqual(three);
    expect(readEncounter({ active: true, combatants: [] }).active).toBe(false);
    expect(readEncounter('junk').active).toBe(false);
    expect(readEncounter({ ...three, turn: 9 }).turn).toBe(2);
  });

  it('advances through the order and into the next round, and back', () => {
    expect(nextTurn(readEncounter(three))).toEqual({ round: 3, turn: 0 });
    expect(nextTurn(readEncounter({ ...three, turn: 0 }))).toEqual({ round: 2, turn: 1 });
    expect(previousTurn(readEncounter({ ...three, turn: 0 }))).toEqual({ round: 1, turn: 2 });
    expect(previousTurn(readEncounter({ ...three, round: 1, turn: 0 }))).toEqual({ round: 1, turn: 0 });
  });
});
