import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import { tempHpIntent } from './temp-hp-intent.ts';
import { MIRA_PLAYER, actorIn, reasonOf, run, table, thorin, goblin } from './table.fixture.ts';

describe('plugin:dnd5e:temp-hp', () => {
  it('[D2] [D12] GM only', () => {
    expect(reasonOf(tempHpIntent, { targetId: 'mira', amount: 5 }, table(), MIRA_PLAYER)).toBe(RejectReason.PermissionDenied);
  });

  it('[D12] temporary HP do not stack: the higher value is kept', () => {
    const doc = table({ thorin: thorin({ hp: { value: 30, max: 30, temp: 6 } }) });
    expect(actorIn(run(tempHpIntent, { targetId: 'thorin', amount: 10 }, doc).doc, 'thorin').hp).toEqual({ value: 30, max: 30, temp: 10 });
    const kept = run(tempHpIntent, { targetId: 'thorin', amount: 4 }, doc);
    expect(actorIn(kept.doc, 'thorin').hp).toEqual({ value: 30, max: 30, temp: 6 });
    expect(kept.patch.map((op) => op.path)).toEqual(['/chat/-']);
  });

  it('[D12] an actor stored without temp HP gets the field added', () => {
    const { patch } = run(tempHpIntent, { targetId: 'goblin', amount: 3 }, table({ goblin: goblin({ hp: { value: 7, max: 7 } }) }));
    expect(patch[0]).toEqual({ op: 'add', path: '/actors/goblin/hp/temp', value: 3 });
  });
});
