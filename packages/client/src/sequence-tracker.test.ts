import { describe, expect, it } from 'vitest';
import { SequenceSet } from './sequence-set.ts';
import { SequenceTracker } from './sequence-tracker.ts';

describe('SequenceSet', () => {
  it('merges adjacent members into ranges in any insertion order', () => {
    const set = new SequenceSet();
    for (const n of [5, 3, 4, 9, 1, 8, 2]) set.add(n);
    expect(set.ranges).toEqual([
      [1, 5],
      [8, 9],
    ]);
    expect(set.add(4)).toBe(false);
    expect(set.has(7)).toBe(false);
    expect(set.covers(2, 5)).toBe(true);
    expect(set.covers(4, 8)).toBe(false);
    expect(set.covers(6, 5)).toBe(true);
    expect(set.contiguousFrom(2)).toBe(5);
    expect(set.contiguousFrom(6)).toBe(5);
    set.addRange(6, 7);
    expect(set.ranges).toEqual([[1, 9]]);
    set.dropBelow(4);
    expect(set.ranges).toEqual([[4, 9]]);
    expect(set.max()).toBe(9);
  });

  it('agrees with a plain Set on random input', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const set = new SequenceSet();
    const plain = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = 1 + Math.floor(rand() * 300);
      expect(set.add(n)).toBe(!plain.has(n));
      plain.add(n);
    }
    for (let n = 0; n <= 301; n++) expect(set.has(n)).toBe(plain.has(n));
    const ranges = set.ranges;
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1] + 1);
  });
});

describe('SequenceTracker', () => {
  it('[EQ9] advances lastSeen only over contiguous sequences and reports the first gap', () => {
    const t = new SequenceTracker(3);
    expect(t.note(4)).toBe(true);
    expect(t.lastSeen).toBe(4);
    expect(t.note(7)).toBe(true);
    expect(t.lastSeen).toBe(4);
    expect(t.gap()).toBe(5);
    t.note(5);
    t.note(6);
    expect(t.lastSeen).toBe(7);
    expect(t.gap()).toBeNull();
    expect(t.note(6)).toBe(false);
    expect(t.note(2)).toBe(false);
  });

  it('[EQ9] a skip moves lastSeen without attributing the skipped sequences', () => {
    const t = new SequenceTracker(10);
    t.note(11);
    t.skipTo(200);
    expect(t.lastSeen).toBe(200);
    expect(t.identifiedCovers(11, 11)).toBe(true);
    expect(t.identifiedCovers(11, 12)).toBe(false);
    // An ack for an own intent inside the skipped range still attributes it.
    expect(t.note(150)).toBe(false);
    expect(t.identifiedCovers(150, 150)).toBe(true);
    t.rewindTo(5);
    expect(t.lastSeen).toBe(5);
    expect(t.identifiedCovers(150, 150)).toBe(false);
  });

  it('forgets attributions below a floor but never those needed to advance', () => {
    const t = new SequenceTracker(0);
    t.note(1);
    t.note(2);
    t.note(5);
    t.forgetBelow(Infinity);
    expect(t.identifiedCovers(1, 2)).toBe(false);
    expect(t.identifiedCovers(5, 5)).toBe(true);
    t.note(3);
    t.note(4);
    expect(t.lastSeen).toBe(5);
  });
});
