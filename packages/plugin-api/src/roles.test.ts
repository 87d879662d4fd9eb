import { describe, expect, it } from 'vitest';
import { isGm } from './roles.ts';

describe('isGm', () => {
  it('only an explicit gm role is the GM; an absent role is a player', () => {
    expect(isGm({ role: 'gm' })).toBe(true);
    expect(isGm({ role: 'player' })).toBe(false);
    expect(isGm({})).toBe(false);
  });
});
