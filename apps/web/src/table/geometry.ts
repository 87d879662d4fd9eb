/** Grid geometry in cell units: positions are token centres, (0,0) is the scene's top-left corner. */

export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * Where a token of `size` cells a side settles near `p`: an odd-sized token
 * centres in a cell, an even-sized one on a grid corner; it stays inside a
 * `width` × `height` scene.
 */
export function snapCentre(p: Point, size: number, width: number, height: number): Point {
  const half = size / 2;
  const snap = (v: number, max: number) => {
    const snapped = size % 2 === 1 ? Math.floor(v) + 0.5 : Math.round(v);
    return Math.min(Math.max(snapped, half), Math.max(half, max - half));
  };
  return { x: snap(p.x, width), y: snap(p.y, height) };
}

/** The point inside the scene nearest `p`, unsnapped. */
export function clampToScene(p: Point, width: number, height: number): Point {
  return { x: Math.min(Math.max(p.x, 0), width), y: Math.min(Math.max(p.y, 0), height) };
}

/**
 * How diagonals count: `5e` (the Player's Handbook default, every step
 * one cell) or `alternating` (the optional 5-10-5 rule of the Dungeon
 * Master's Guide).
 */
export type DiagonalRule = '5e' | 'alternating';

/** Grid distance between two cell positions, in cells, by the diagonal rule. */
export function gridDistance(a: Point, b: Point, rule: DiagonalRule): number {
  const dx = Math.abs(Math.round(b.x - a.x));
  const dy = Math.abs(Math.round(b.y - a.y));
  const diagonal = Math.min(dx, dy);
  const straight = Math.max(dx, dy) - diagonal;
  return rule === '5e' ? straight + diagonal : straight + diagonal + Math.floor(diagonal / 2);
}

/** The distance a ruler shows: whole cells times the scene's feet per cell. */
export function distanceFeet(a: Point, b: Point, feetPerUnit: number, rule: DiagonalRule): number {
  return gridDistance(a, b, rule) * feetPerUnit;
}

/**
 * The snapped position nearest `p` whose cell no token stands on yet (the
 * centres in `taken`), searched ring by ring, so tokens made in the middle
 * of the view one after another do not pile up on one cell. Falls back to
 * `p` snapped when the scene is full.
 */
export function freeCellNear(p: Point, taken: readonly Point[], width: number, height: number): Point {
  const start = snapCentre(p, 1, width, height);
  const occupied = new Set(taken.map((t) => `${Math.floor(t.x)},${Math.floor(t.y)}`));
  const maxRing = Math.max(width, height);
  for (let ring = 0; ring <= maxRing; ring++) {
    for (let dy = -ring; dy <= ring; dy++) {
      for (let dx = -ring; dx <= ring; dx++) {
        if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
        const c = { x: start.x + dx, y: start.y + dy };
        if (c.x < 0 || c.y < 0 || c.x > width || c.y > height) continue;
        if (!occupied.has(`${Math.floor(c.x)},${Math.floor(c.y)}`)) return c;
      }
    }
  }
  return start;
}
