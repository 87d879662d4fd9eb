import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import { conditionIntent } from './condition-intent.ts';
import { GM, THORIN_PLAYER, actorIn, reasonOf, run, table, goblin } from './table.fixture.ts';

describe('plugin:dnd5e:condition', () => {
  it('[D2] [D13] GM only', () => {
    expect(reasonOf(conditionIntent, { targetId: 'goblin', condition: 'prone', action: 'add' }, table(), THORIN_PLAYER)).toBe(RejectReason.PermissionDenied);
  });

  it('[D13] adds and removes a condition; repeating either changes nothing', () => {
    const added = run(conditionIntent, { targetId: 'goblin', condition: 'poisoned', action: 'add' }, table(), GM);
    expect(added.patch[0]).toEqual({ op: 'add', path: '/actors/goblin/conditions', value: ['poisoned'] });
    expect(actorIn(added.doc, 'goblin').conditions).toEqual(['poisoned']);
    expect(run(conditionIntent, { targetId: 'goblin', condition: 'poisoned', action: 'add' }, added.doc).patch.map((op) => op.path)).toEqual(['/chat/-']);
    const removed = run(conditionIntent, { targetId: 'goblin', condition: 'poisoned', action: 'remove' }, table({ goblin: goblin({ conditions: ['prone', 'poisoned'] }) })).doc;
    expect(actorIn(removed, 'goblin').conditions).toEqual(['prone']);
  });
});
