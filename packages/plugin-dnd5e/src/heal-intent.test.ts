import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import { healIntent } from './heal-intent.ts';
import { GM, THORIN_PLAYER, actorIn, detailOf, lastChat, reasonOf, run, table, thorin } from './table.fixture.ts';

describe('plugin:dnd5e:heal', () => {
  it('[D2] [D11] GM only', () => {
    expect(reasonOf(healIntent, { targetId: 'thorin', amount: 5 }, table(), THORIN_PLAYER)).toBe(RejectReason.PermissionDenied);
  });

  it('[D11] restores HP up to the maximum; the dead cannot be healed', () => {
    const doc = run(healIntent, { targetId: 'thorin', amount: 50 }, table({ thorin: thorin({ hp: { value: 12, max: 30, temp: 2 } }) }), GM).doc;
    expect(actorIn(doc, 'thorin').hp).toEqual({ value: 30, max: 30, temp: 2 });
    expect(lastChat(doc).text).toBe('Thorin regains 18 HP (30/30).');
    expect(detailOf(healIntent, { targetId: 'thorin', amount: 5 }, table({ thorin: thorin({ dead: true, hp: { value: 0, max: 30 } }) }))).toMatch(/dead/);
  });

  it('[D11] a character at 0 HP regains consciousness and its death saves reset', () => {
    const dying = thorin({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious', 'prone'], deathSaves: { successes: 2, failures: 1 } });
    const doc = run(healIntent, { targetId: 'thorin', amount: 4 }, table({ thorin: dying }), GM).doc;
    expect(actorIn(doc, 'thorin')).toMatchObject({ hp: { value: 4 }, conditions: ['prone'], deathSaves: { successes: 0, failures: 0 }, stable: false });
    expect(lastChat(doc).text).toMatch(/regains consciousness/);
  });
});
