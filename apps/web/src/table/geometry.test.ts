import { describe, expect, it } from 'vitest';
import { clampToScene, distanceFeet, freeCellNear, gridDistance, snapCentre } from './geometry.ts';

describe('grid geometry', () => {
  it('snaps a one-cell token to the centre of the cell under it, a two-cell one to the nearest corner', () => {
    expect(snapCentre({ x: 3.2, y: 4.9 }, 1, 30, 20)).toEqual({ x: 3.5, y: 4.5 });
    expect(snapCentre({ x: 3.6, y: 4.4 }, 2, 30, 20)).toEqual({ x: 4, y: 4 });
  });

  it('keeps a snapped token inside the scene', () => {
    expect(snapCentre({ x: -5, y: 99 }, 1, 30, 20)).toEqual({ x: 0.5, y: 19.5 });
    expect(snapCentre({ x: 0.2, y: 0.2 }, 2, 30, 20)).toEqual({ x: 1, y: 1 });
    expect(clampToScene({ x: -1, y: 25 }, 30, 20)).toEqual({ x: 0, y: 20 });
  });

  it('counts every diagonal step as one cell under the 5e rule, every second as two under 5-10-5', () => {
    const from = { x: 0.5, y: 0.5 };
    const to = { x: 4.5, y: 2.5 }; // 4 across, 2 down: 2 diagonal + 2 straight
    expect(gridDistance(from, to, '5e')).toBe(4);
    expect(gridDistance(from, to, 'alternating')).toBe(5);
    expect(distanceFeet(from, to, 5, '5e')).toBe(20);
    expect(distanceFeet(from, { x: 0.5, y: 0.5 }, 5, '5e')).toBe(0);
  });

  it('finds the free cell nearest a point, so new tokens do not pile up', () => {
    expect(freeCellNear({ x: 5.2, y: 5.7 }, [], 30, 20)).toEqual({ x: 5.5, y: 5.5 });
    const taken = [{ x: 5.5, y: 5.5 }];
    const next = freeCellNear({ x: 5.2, y: 5.7 }, taken, 30, 20);
    expect(Math.max(Math.abs(next.x - 5.5), Math.abs(next.y - 5.5))).toBe(1);
    const full = Array.from({ length: 16 }, (_, i) => ({ x: (i % 4) + 0.5, y: Math.floor(i / 4) + 0.5 }));
    expect(freeCellNear({ x: 1, y: 1 }, full, 4, 4)).toEqual({ x: 1.5, y: 1.5 });
  });
});

