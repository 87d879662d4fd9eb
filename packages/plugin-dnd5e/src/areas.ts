import type { Point } from './positions.ts';

/** Area shapes of the spell table, sized in feet (PHB p. 204). */
export type AreaShape =
  | { readonly shape: 'sphere'; readonly radius: number }
  | { readonly shape: 'cone'; readonly length: number }
  | { readonly shape: 'line'; readonly length: number; readonly width: number };

/**
 * Whether a creature at `point` is in the area. Spheres are centred on `aim`;
 * cones and lines start at `origin` (the caster), point at `aim`, and do not
 * include their point of origin. Areas are true geometric shapes tested
 * against token centres (Euclidean), unlike creature-to-creature distances,
 * so a sphere is round rather than a square of grid cells.
 *
 * Only +, −, × and comparisons (no hypot, division or trigonometry, which
 * engines may round differently): a creature on the very edge is in or out
 * identically on the server and on every client.
 */
export function inArea(area: AreaShape, origin: Point, aim: Point, point: Point, feet: number): boolean {
  if (area.shape === 'sphere') {
    const dx = (point.x - aim.x) * feet;
    const dy = (point.y - aim.y) * feet;
    return dx * dx + dy * dy <= area.radius * area.radius;
  }
  const dx = aim.x - origin.x;
  const dy = aim.y - origin.y;
  if (dx === 0 && dy === 0) return false;
  const px = (point.x - origin.x) * feet;
  const py = (point.y - origin.y) * feet;
  // Both scaled by the direction's length |d|: dot = along × |d|, cross = across × |d|.
  const dot = px * dx + py * dy;
  if (dot <= 0) return false;
  const d2 = dx * dx + dy * dy;
  if (dot * dot > area.length * area.length * d2) return false;
  const cross = Math.abs(px * dy - py * dx);
  // A 5e cone is as wide at any point as that point is far from the origin: across ≤ along / 2.
  if (area.shape === 'cone') return 2 * cross <= dot;
  const half = area.width / 2;
  return cross * cross <= half * half * d2;
}
