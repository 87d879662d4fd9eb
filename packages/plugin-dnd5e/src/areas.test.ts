import { describe, expect, it } from 'vitest';
import { inArea } from './areas.ts';
import { actorDistanceFeet, gridDistanceFeet } from './positions.ts';
import { AREA_SPELLS, spellDamageDice } from './spells.ts';

const o = { x: 0, y: 0 };

describe('areas and distances', () => {
  it('[D16] creature distances follow the grid rule: a diagonal square is 5 ft', () => {
    expect(gridDistanceFeet(o, { x: 1, y: 1 }, 5)).toBe(5);
    expect(gridDistanceFeet(o, { x: 3, y: 1 }, 5)).toBe(15);
    expect(gridDistanceFeet(o, { x: 3, y: 1 }, 10)).toBe(30);
    const tokens = [
      { tokenId: 'a', actorId: 'A', x: 0, y: 0 },
      { tokenId: 'b1', actorId: 'B', x: 9, y: 0 },
      { tokenId: 'b2', actorId: 'B', x: 2, y: 0 },
    ];
    expect(actorDistanceFeet(tokens, 'A', 'B', 5)).toBe(10);
    expect(actorDistanceFeet(tokens, 'A', 'C', 5)).toBeNull();
  });

  it('[D16] a sphere is round: centres within its radius of the aim point', () => {
    const fireball = AREA_SPELLS.fireball.area;
    expect(inArea(fireball, o, { x: 10, y: 10 }, { x: 14, y: 10 }, 5)).toBe(true); // 20 ft
    expect(inArea(fireball, o, { x: 10, y: 10 }, { x: 14, y: 11 }, 5)).toBe(false); // 20.6 ft
    expect(inArea(fireball, o, { x: 10, y: 10 }, { x: 13, y: 13 }, 5)).toBe(false); // diagonal corner of the square
  });

  it('[D16] a cone is as wide as it is far from the caster, and excludes the caster', () => {
    const cone = AREA_SPELLS['burning-hands'].area;
    const east = { x: 1, y: 0 };
    expect(inArea(cone, o, east, { x: 1, y: 0 }, 5)).toBe(true);
    expect(inArea(cone, o, east, { x: 3, y: 0 }, 5)).toBe(true); // 15 ft
    expect(inArea(cone, o, east, { x: 4, y: 0 }, 5)).toBe(false); // 20 ft
    expect(inArea(cone, o, east, { x: 2, y: 1 }, 5)).toBe(true); // half-width at 10 ft is 5 ft
    expect(inArea(cone, o, east, { x: 1, y: 1 }, 5)).toBe(false);
    expect(inArea(cone, o, east, { x: -1, y: 0 }, 5)).toBe(false);
    expect(inArea(cone, o, east, o, 5)).toBe(false);
    expect(inArea(cone, o, o, { x: 1, y: 0 }, 5)).toBe(false);
  });

  it('[D16] a line is 5 ft wide along its length', () => {
    const bolt = AREA_SPELLS['lightning-bolt'].area;
    expect(inArea(bolt, o, { x: 0, y: 1 }, { x: 0, y: 20 }, 5)).toBe(true); // 100 ft
    expect(inArea(bolt, o, { x: 0, y: 1 }, { x: 0, y: 21 }, 5)).toBe(false);
    expect(inArea(bolt, o, { x: 0, y: 1 }, { x: 1, y: 5 }, 5)).toBe(false);
  });

  it('[D16] the spell table is data: damage dice grow with the slot level', () => {
    expect(spellDamageDice(AREA_SPELLS.fireball, 3)).toEqual({ terms: [{ dice: 8, sides: 6 }], constant: 0 });
    expect(spellDamageDice(AREA_SPELLS.fireball, 5)).toEqual({ terms: [{ dice: 10, sides: 6 }], constant: 0 });
    expect(AREA_SPELLS.fireball).toMatchObject({ level: 3, save: 'dex', onSave: 'half', range: 150, area: { shape: 'sphere', radius: 20 }, damage: { type: 'fire' } });
  });
});
