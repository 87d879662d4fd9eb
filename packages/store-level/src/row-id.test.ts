import { describe, expect, it } from 'vitest';
import { createRowIdGenerator } from './row-id.ts';

describe('row ids', () => {
  it('[L2] sort in creation order within one open, even when the clock steps back', () => {
    const clock = [1_000, 1_000, 999, 5_000, 4_000, 4_000];
    let tick = 0;
    const next = createRowIdGenerator(7, () => clock[tick++] ?? 0);
    const ids = clock.map(() => next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('[L2] a later open sorts after an earlier one at the same time, and never collides with it', () => {
    const now = (): number => 1_700_000_000_000;
    const first = createRowIdGenerator(1, now);
    const second = createRowIdGenerator(2, now);
    const a = [first(), first()];
    const b = [second(), second()];
    expect([...a, ...b].sort()).toEqual([...a, ...b]);
    expect(new Set([...a, ...b]).size).toBe(4);
  });

  it('[L2] ids are fixed-width so string order is numeric order', () => {
    const next = createRowIdGenerator(0xffffffff, () => 0xfffffffffff);
    expect(next()).toBe('0fffffffffff-ffffffff-000000000001');
    expect(() => createRowIdGenerator(2 ** 32)).toThrow(RangeError);
  });
});
