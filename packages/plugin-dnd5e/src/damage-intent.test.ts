import type { JsonObject } from '@dungeon-lab/events';
import { RejectReason } from '@dungeon-lab/protocol';
import { describe, expect, it } from 'vitest';
import { damageIntent } from './damage-intent.ts';
import { ANONYMOUS, GM, THORIN_PLAYER, actorIn, detailOf, lastChat, reasonOf, run, table, goblin, thorin } from './table.fixture.ts';

describe('plugin:dnd5e:damage', () => {
  it('[D2] [D10] GM only: players deal damage through attacks and spells', () => {
    const payload = { targetId: 'goblin', amount: 3, type: 'fire' as const };
    expect(reasonOf(damageIntent, payload, table(), GM)).toBe('ok');
    expect(reasonOf(damageIntent, payload, table(), THORIN_PLAYER)).toBe(RejectReason.PermissionDenied);
    expect(reasonOf(damageIntent, payload, table(), ANONYMOUS)).toBe(RejectReason.PermissionDenied);
  });

  it('[D10] the target must exist and be alive', () => {
    expect(detailOf(damageIntent, { targetId: 'ghost', amount: 3, type: 'fire' }, table())).toMatch(/no actor/);
    expect(detailOf(damageIntent, { targetId: 'goblin', amount: 3, type: 'fire' }, table({ goblin: goblin({ dead: true, hp: { value: 0, max: 7 } }) }))).toMatch(/already dead/);
  });

  it('[D7] [D10] damage goes through resistance, vulnerability and immunity', () => {
    const doc = table({ thorin: thorin({ resistances: ['fire'], vulnerabilities: ['cold'], immunities: ['poison'] }) });
    const hp = (d: JsonObject) => (actorIn(d, 'thorin').hp as JsonObject).value;
    expect(hp(run(damageIntent, { targetId: 'thorin', amount: 9, type: 'fire' }, doc).doc)).toBe(26);
    expect(hp(run(damageIntent, { targetId: 'thorin', amount: 9, type: 'cold' }, doc).doc)).toBe(12);
    const immune = run(damageIntent, { targetId: 'thorin', amount: 9, type: 'poison' }, doc);
    expect(hp(immune.doc)).toBe(30);
    expect(lastChat(immune.doc).text).toBe('Thorin takes 9 poison damage (immune: 0).');
  });

  it('[D8] [D9] [D10] 0 HP rules: unconscious and prone, a failure per hit at 0 (two on a crit), massive damage', () => {
    const down = run(damageIntent, { targetId: 'thorin', amount: 35, type: 'bludgeoning' }, table()).doc;
    expect(actorIn(down, 'thorin')).toMatchObject({ hp: { value: 0 }, conditions: ['unconscious', 'prone'], dead: false });
    const failure = run(damageIntent, { targetId: 'thorin', amount: 1, type: 'bludgeoning', critical: true }, down).doc;
    expect(actorIn(failure, 'thorin').deathSaves).toEqual({ successes: 0, failures: 2 });
    const massive = run(damageIntent, { targetId: 'thorin', amount: 60, type: 'bludgeoning' }, table()).doc;
    expect(actorIn(massive, 'thorin')).toMatchObject({ hp: { value: 0 }, dead: true });
    expect(lastChat(massive).text).toMatch(/Thorin dies from massive damage/);
  });

  it('[D17] concurrent damage composes: a goblin at 10 HP takes 8 and 5 in either order and ends at 0', () => {
    const start = table({ goblin: goblin({ hp: { value: 10, max: 10, temp: 0 } }) });
    const eight = { targetId: 'goblin', amount: 8, type: 'slashing' as const };
    const five = { targetId: 'goblin', amount: 5, type: 'fire' as const };
    const a = run(damageIntent, five, run(damageIntent, eight, start).doc).doc;
    const b = run(damageIntent, eight, run(damageIntent, five, start).doc).doc;
    expect(actorIn(a, 'goblin')).toMatchObject({ hp: { value: 0, max: 10, temp: 0 }, dead: true });
    expect(actorIn(b, 'goblin')).toEqual(actorIn(a, 'goblin'));
  });
});
