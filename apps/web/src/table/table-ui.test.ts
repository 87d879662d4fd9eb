import { describe, expect, it } from 'vitest';
import { fitCamera, toCells, zoomAround } from './table-ui.ts';

describe('camera', () => {
  it('zooms around the cursor: the cell under it stays under it', () => {
    const camera = { x: 40, y: -20, zoom: 1 };
    const at = { x: 300, y: 200 };
    const before = toCells(camera, 64, at);
    const after = toCells(zoomAround(camera, 2, at), 64, at);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it('clamps zoom and fits a scene centred in the board', () => {
    expect(zoomAround({ x: 0, y: 0, zoom: 3 }, 10, { x: 0, y: 0 }).zoom).toBe(4);
    const fit = fitCamera(1920, 1280, 1000, 700);
    // The width limits here: (1000 - 2 × 32) / 1920 < (700 - 2 × 32) / 1280.
    expect(fit.zoom).toBeCloseTo((1000 - 64) / 1920);
    expect(fit.y + (1280 * fit.zoom) / 2).toBeCloseTo(350);
    expect(fit.x + (1920 * fit.zoom) / 2).toBeCloseTo(500);
  });
});
