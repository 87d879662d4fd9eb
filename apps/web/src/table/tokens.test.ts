import { describe, expect, it } from 'vitest';
import type { JsonObject } from '@dungeon-lab/events';
import { canMove, labelPlacement, showsHp, tokenFace } from './tokens.ts';

describe('token faces', () => {
  const goblin = { name: 'Goblin', kind: 'npc', hp: { value: 3, max: 7 }, conditions: ['prone', 7] };
  const thorin = { name: 'Thorin Oakenshield', kind: 'character', ownerId: 'u-thorin', hp: { value: 30, max: 30, temp: 5 } };

  it('takes name, HP and conditions from the actor, position and size from the token', () => {
    const face = tokenFace('t1', { actorId: 'g1', x: 2.5, y: 3.5 }, goblin)!;
    expect(face).toMatchObject({ name: 'Goblin', initials: 'GO', x: 2.5, y: 3.5, size: 1, kind: 'npc', hp: { value: 3, max: 7, temp: 0 }, conditions: ['prone'] });
    expect(tokenFace('t2', { actorId: 'a', size: 2 }, thorin)).toMatchObject({ initials: 'TO', x: 1, y: 1, size: 2, controllers: ['u-thorin'] });
  });

  it('draws a malformed token rather than failing, and skips what is not a token', () => {
    expect(tokenFace('t3', { x: 'far', size: 99 }, 'not an actor')).toMatchObject({ name: '?', x: 2, y: 2, size: 4, hp: null });
    expect(tokenFace('t4', 42, undefined)).toBeNull();
  });

  it('lets the GM and the controllers move a token, as write rule W3 does', () => {
    const face = tokenFace('t1', { actorId: 'a', controlledBy: ['u-mira'] }, thorin)!;
    expect(canMove(face, 'u-thorin', false)).toBe(true);
    expect(canMove(face, 'u-mira', false)).toBe(true);
    expect(canMove(face, 'u-other', false)).toBe(false);
    expect(canMove(face, 'u-other', true)).toBe(true);
  });

  it('shows a monster’s HP to the GM only, a character’s to everyone', () => {
    const monster = tokenFace('t1', { actorId: 'g' }, goblin)!;
    const hero = tokenFace('t2', { actorId: 'a' }, thorin)!;
    expect(showsHp(monster, 'u-thorin', false)).toBe(false);
    expect(showsHp(monster, 'gm', true)).toBe(true);
    expect(showsHp(hero, 'u-mira', false)).toBe(true);
  });
});

describe('where token names go', () => {
  const at = (x: number, y: number, size = 1) => ({ x, y, size });
  const place = (tokens: Record<string, ReturnType<typeof at>>) =>
    Object.fromEntries(Object.keys(tokens).map((id) => [id, labelPlacement({ tokens }, id)]));

  it('[APP17] under a token standing alone; above the second of two side by side', () => {
    expect(place({ bruna: at(4.5, 4.5) })).toEqual({ bruna: 'below' });
    expect(place({ bruna: at(4.5, 4.5), goblin: at(5.5, 4.5) })).toEqual({ bruna: 'below', goblin: 'above' });
    // One cell apart, the names have room: both stay below.
    expect(place({ bruna: at(4.5, 4.5), goblin: at(6.5, 4.5) })).toEqual({ bruna: 'below', goblin: 'below' });
    // One over the other, straight or diagonally: the upper one's name goes above, off the lower one's face.
    expect(place({ bruna: at(5.5, 4.5), goblin: at(5.5, 5.5) })).toEqual({ bruna: 'above', goblin: 'below' });
    expect(place({ bram: at(5.5, 4.5), aria: at(6.5, 5.5) })).toEqual({ bram: 'above', aria: 'below' });
  });

  it('a line of tokens alternates, so no two adjacent names meet', () => {
    expect(place({ a: at(2.5, 3.5), b: at(3.5, 3.5), c: at(4.5, 3.5), d: at(5.5, 3.5) })).toEqual({ a: 'below', b: 'above', c: 'below', d: 'above' });
  });

  it('keeps a name below when a token over it has its name in that space', () => {
    expect(place({ a: at(4.5, 4.5), b: at(5.5, 4.5), over: at(5.5, 3.5) })).toEqual({ a: 'below', b: 'below', over: 'above' });
    // Boxed in above and below: below, as everywhere else.
    expect(place({ top: at(5.5, 2.5), mid: at(5.5, 3.5), low: at(5.5, 4.5) })).toEqual({ top: 'above', mid: 'below', low: 'below' });
  });

  it('a large token beside a small one, bottoms level, alternate as well', () => {
    // An ogre (2×2) on columns 3–4, a goblin on column 5 with the same bottom edge, a wolf after a gap.
    expect(place({ ogre: at(4, 5, 2), goblin: at(5.5, 5.5), wolf: at(7.5, 5.5) })).toEqual({ ogre: 'below', goblin: 'above', wolf: 'below' });
  });

  it('computes once per version of the tokens map, and reads what is malformed as the board draws it', () => {
    const tokens = { a: at(4.5, 4.5), b: at(5.5, 4.5), junk: 7 } as unknown as JsonObject;
    const view = { tokens };
    expect(labelPlacement(view, 'b')).toBe('above');
    expect(labelPlacement(view, 'junk')).toBe('below');
    expect(labelPlacement({}, 'a')).toBe('below');
  });
});
