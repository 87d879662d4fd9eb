import { describe, expect, it } from 'vitest';
import { canMove, showsHp, tokenFace } from './tokens.ts';

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
