import type { StateReader } from '@dungeon-lab/events';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface PlacedToken extends Point {
  readonly tokenId: string;
  readonly actorId: string;
}

export const DEFAULT_FEET_PER_UNIT = 5;

/** Feet per grid unit: `/scene/feetPerUnit` when it is a positive number, else 5. */
export function feetPerUnit(state: StateReader): number {
  const value = state.get('/scene/feetPerUnit');
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : DEFAULT_FEET_PER_UNIT;
}

/** Tokens with an actor and a finite position, sorted by token id so every peer iterates alike. Others are ignored. */
export function placedTokens(state: StateReader): PlacedToken[] {
  const tokens = state.get('/tokens');
  if (tokens === undefined || tokens === null || typeof tokens !== 'object' || Array.isArray(tokens)) return [];
  const out: PlacedToken[] = [];
  for (const tokenId of Object.keys(tokens).sort()) {
    const token = tokens[tokenId];
    if (token === null || typeof token !== 'object' || Array.isArray(token)) continue;
    const { actorId, x, y } = token;
    if (typeof actorId !== 'string' || typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    out.push({ tokenId, actorId, x, y });
  }
  return out;
}

export function tokensOf(tokens: readonly PlacedToken[], actorId: string): PlacedToken[] {
  return tokens.filter((t) => t.actorId === actorId);
}

/**
 * Distance in feet between two creatures' positions by the PHB grid rule:
 * every square, diagonal or not, counts as one unit (so adjacent diagonals
 * are "within 5 feet", which reach and the prone rules depend on).
 */
export function gridDistanceFeet(a: Point, b: Point, feet: number): number {
  return Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) * feet;
}

/**
 * The shortest distance between any token of `a` and any token of `b`, or
 * null when either has no token (theatre of the mind: range is not checked).
 */
export function actorDistanceFeet(tokens: readonly PlacedToken[], a: string, b: string, feet: number): number | null {
  let best: number | null = null;
  for (const ta of tokensOf(tokens, a)) {
    for (const tb of tokensOf(tokens, b)) {
      const d = gridDistanceFeet(ta, tb, feet);
      if (best === null || d < best) best = d;
    }
  }
  return best;
}

/** Floating-point positions must not turn 5 ft into 5.0000001 ft. */
export function withinFeet(distance: number, limit: number): boolean {
  return distance <= limit + 1e-9;
}
