import { describe, expect, it } from 'vitest';
import { lazyValue } from './lazy-value.ts';

describe('lazyValue', () => {
  it('computes on demand and notifies once per burst of invalidations', async () => {
    let source = 1;
    let computations = 0;
    const value = lazyValue(() => {
      computations++;
      return { value: source * 10 };
    });
    value.invalidate();
    expect(computations).toBe(0);
    expect(value.get()).toBe(10);
    const seen: number[] = [];
    value.subscribe((v) => seen.push(v));
    source = 2;
    value.invalidate();
    source = 3;
    value.invalidate();
    // get() is current even before listeners hear of it.
    expect(value.get()).toBe(30);
    await Promise.resolve();
    expect(seen).toEqual([30]);
    // The read in between already computed it; the notification reuses that.
    expect(computations).toBe(2);
  });

  it('[EQ8] keeps the previous value while compute holds, except for the very first value', async () => {
    let hold = true;
    let source = 1;
    const value = lazyValue((force) => (hold && !force ? null : { value: source }));
    expect(value.get()).toBe(1);
    const seen: number[] = [];
    value.subscribe((v) => seen.push(v));
    source = 2;
    value.invalidate();
    await Promise.resolve();
    expect(value.get()).toBe(1);
    expect(seen).toEqual([]);
    hold = false;
    value.invalidate();
    await Promise.resolve();
    expect(seen).toEqual([2]);
  });

  it('[EQ23] does not notify when a recomputation returns the very same value', async () => {
    const same = { a: 1 };
    let source: object = same;
    const value = lazyValue(() => ({ value: source }));
    expect(value.get()).toBe(same);
    const seen: object[] = [];
    value.subscribe((v) => seen.push(v));
    value.invalidate();
    await Promise.resolve();
    expect(seen).toEqual([]);
    source = { a: 1 };
    value.invalidate();
    await Promise.resolve();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(source);
  });
});
