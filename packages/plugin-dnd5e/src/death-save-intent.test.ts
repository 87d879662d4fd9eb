import { createJsonReader, type JsonObject } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import { deathSaveIntent } from './death-save-intent.ts';
import { GM, MIRA_PLAYER, THORIN_PLAYER, actorIn, detailOf, event, fixedDice, goblin, lastChat, reasonOf, run, table, thorin } from './table.fixture.ts';

const dying = (extra: JsonObject = {}) => table({ thorin: thorin({ hp: { value: 0, max: 30, temp: 0 }, conditions: ['unconscious', 'prone'], ...extra }) });

describe('plugin:dnd5e:death-save', () => {
  it('[D2] [D14] the owning player or the GM; nobody else', () => {
    expect(reasonOf(deathSaveIntent, { actorId: 'thorin' }, dying(), THORIN_PLAYER)).toBe('ok');
    expect(reasonOf(deathSaveIntent, { actorId: 'thorin' }, dying(), GM)).toBe('ok');
    expect(reasonOf(deathSaveIntent, { actorId: 'thorin' }, dying(), MIRA_PLAYER)).toBe(RejectReason.PermissionDenied);
  });

  it('[D14] only a character at 0 HP, neither stable nor dead', () => {
    expect(detailOf(deathSaveIntent, { actorId: 'thorin' }, table())).toMatch(/not at 0 HP/);
    expect(detailOf(deathSaveIntent, { actorId: 'thorin' }, dying({ stable: true }))).toMatch(/stable/);
    expect(detailOf(deathSaveIntent, { actorId: 'thorin' }, dying({ dead: true }))).toMatch(/already dead/);
    expect(detailOf(deathSaveIntent, { actorId: 'goblin' }, table({ goblin: goblin({ hp: { value: 0, max: 7 } }) }))).toMatch(/only characters/);
  });

  it('[D3] [D14] the server rolls the d20, overwriting a claim; a claimed 27 is rejected', () => {
    expect(deathSaveIntent.prepare!({ actorId: 'thorin', roll: 20 }, fixedDice([4, 20]), GM)).toEqual({ actorId: 'thorin', roll: 4 });
    expect(detailOf(deathSaveIntent, { actorId: 'thorin', roll: 27 }, dying())).toMatch(/27 is not a face of a d20/);
    expect(detailOf(deathSaveIntent, { actorId: 'thorin', roll: 0 }, dying())).toMatch(/not a face/);
  });

  it('[D14] success, failure, natural 1, natural 20, stabilising and dying through the intent', () => {
    expect(actorIn(run(deathSaveIntent, { actorId: 'thorin', roll: 12 }, dying()).doc, 'thorin').deathSaves).toEqual({ successes: 1, failures: 0 });
    expect(actorIn(run(deathSaveIntent, { actorId: 'thorin', roll: 1 }, dying()).doc, 'thorin').deathSaves).toEqual({ successes: 0, failures: 2 });
    const revived = run(deathSaveIntent, { actorId: 'thorin', roll: 20 }, dying({ deathSaves: { successes: 1, failures: 2 } })).doc;
    expect(actorIn(revived, 'thorin')).toMatchObject({ hp: { value: 1 }, conditions: ['prone'], deathSaves: { successes: 0, failures: 0 } });
    const stable = run(deathSaveIntent, { actorId: 'thorin', roll: 10 }, dying({ deathSaves: { successes: 2, failures: 0 } })).doc;
    expect(actorIn(stable, 'thorin')).toMatchObject({ stable: true, deathSaves: { successes: 0, failures: 0 }, dead: false });
    const dead = run(deathSaveIntent, { actorId: 'thorin', roll: 3 }, dying({ deathSaves: { successes: 2, failures: 2 } })).doc;
    expect(actorIn(dead, 'thorin')).toMatchObject({ dead: true, deathSaves: { failures: 3 } });
    expect(lastChat(dead).text).toBe('Thorin fails a third death save and dies (3).');
  });

  it('[D3] prediction without the roll: a pending card, no change to the character', () => {
    const patch = deathSaveIntent.reduce(event(deathSaveIntent.type, { actorId: 'thorin' }), createJsonReader(dying()));
    expect(patch).toHaveLength(1);
    expect(patch[0]).toMatchObject({ op: 'add', path: '/chat/-', value: { pending: true } });
  });
});
