import { describe, expect, it } from 'vitest';
import { cellsFromName } from './upload.ts';

describe('map file names', () => {
  it('read the cells a map maker put in the name', () => {
    expect(cellsFromName('River [10x15].png')).toEqual({ width: 10, height: 15 });
    expect(cellsFromName('crypt [ 30 × 20 ] night.webp')).toEqual({ width: 30, height: 20 });
    expect(cellsFromName('tavern.jpg')).toBeNull();
    expect(cellsFromName('bad [0x5].png')).toBeNull();
  });
});
