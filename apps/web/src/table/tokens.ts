import type { JsonObject, JsonValue } from '@dungeon-lab/events';
import { colorFor, initialsOf } from './colors.ts';

/** What the board shows of one token: its record under `/tokens/{id}` and its actor's public fields. */
export interface TokenFace {
  readonly id: string;
  readonly name: string;
  readonly initials: string;
  readonly color: string;
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly actorId: string | null;
  readonly kind: 'character' | 'npc' | null;
  /** Users who may move it besides the GM: the actor's owner, the token's `ownerId` and `controlledBy`. */
  readonly controllers: readonly string[];
  readonly hp: { readonly value: number; readonly max: number; readonly temp: number } | null;
  readonly conditions: readonly string[];
  readonly dead: boolean;
  /** The token's picture (an uploaded image's hash); initials on its colour when none. */
  readonly image: string | null;
}

const asObject = (v: JsonValue | undefined): JsonObject | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null);
const asNumber = (v: JsonValue | undefined, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const asString = (v: JsonValue | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null);

function readHp(actor: JsonObject | null): TokenFace['hp'] {
  const hp = asObject(actor?.hp);
  if (hp === null || typeof hp.value !== 'number' || typeof hp.max !== 'number' || hp.max <= 0) return null;
  return { value: hp.value, max: hp.max, temp: asNumber(hp.temp, 0) };
}

/**
 * A token as the board draws it. Reads defensively: a free edit can leave any
 * shape in the document, and a malformed token still gets drawn (at 0,0,
 * named "?") rather than breaking the board.
 */
export function tokenFace(id: string, token: JsonValue | undefined, actorValue: JsonValue | undefined): TokenFace | null {
  const t = asObject(token);
  if (t === null) return null;
  const actor = asObject(actorValue);
  const name = asString(t.name) ?? asString(actor?.name) ?? '?';
  const ownerId = asString(actor?.ownerId);
  const controllers = [
    ...(ownerId === null ? [] : [ownerId]),
    ...(asString(t.ownerId) === null ? [] : [t.ownerId as string]),
    ...(Array.isArray(t.controlledBy) ? t.controlledBy.filter((u): u is string => typeof u === 'string') : []),
  ];
  const kind = actor?.kind === 'character' || actor?.kind === 'npc' ? actor.kind : null;
  const size = Math.min(Math.max(Math.round(asNumber(t.size, 1)), 1), 4);
  return {
    id,
    name,
    initials: initialsOf(name),
    // A player's tokens wear the player's colour, so the table can tell whose is whose.
    color: asString(t.color) ?? colorFor(ownerId ?? id),
    x: asNumber(t.x, size / 2),
    y: asNumber(t.y, size / 2),
    size,
    actorId: asString(t.actorId),
    kind,
    controllers: [...new Set(controllers)],
    hp: readHp(actor),
    conditions: Array.isArray(actor?.conditions) ? actor.conditions.filter((c): c is string => typeof c === 'string') : [],
    dead: actor?.dead === true,
    image: typeof t.image === 'string' && /^[0-9a-f]{64}$/.test(t.image) ? t.image : null,
  };
}

/** Whether this user may drag the token (the server's write rule W3 says the same: the GM or a controller). */
export function canMove(face: TokenFace, userId: string, isGm: boolean): boolean {
  return isGm || face.controllers.includes(userId);
}

/**
 * Whether the viewer sees the token's hit points: the GM always, a player
 * for characters and for what they control. Monsters' health is the GM's to
 * describe; this is table etiquette, not secrecy (the table document is
 * readable by every member; hidden data lives in the GM document).
 */
export function showsHp(face: TokenFace, userId: string, isGm: boolean): boolean {
  return isGm || face.kind === 'character' || face.controllers.includes(userId);
}

/** Where the view's tokens stand (their centres), for finding a free cell. */
export function tokenPositions(view: JsonObject): readonly { x: number; y: number }[] {
  const tokens = asObject(view.tokens);
  if (tokens === null) return [];
  return Object.values(tokens).flatMap((t) => {
    const o = asObject(t);
    return o !== null && typeof o.x === 'number' && typeof o.y === 'number' ? [{ x: o.x, y: o.y }] : [];
  });
}

/** Where a token's name is drawn: under it, or over it when under would meet a neighbour's. */
export type LabelPlacement = 'below' | 'above';

/** Square of cells a token covers, in cells. */
interface Footprint {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Closer than this (cells) counts as touching: tokens sit on whole cells, with some slack for free placement. */
const TOUCH = 0.5;

const placements = new WeakMap<JsonObject, ReadonlyMap<string, LabelPlacement>>();

/**
 * Names go under tokens, where two tokens side by side in a row (a character
 * and the monster it fights, most of the time) would draw theirs over each
 * other. So along a run of tokens that touch, their bottom edges level, the
 * names alternate: the first (leftmost) keeps its name below, the second
 * puts it above, and so on. A token with another under it, straight or
 * diagonally, puts its name above too, off that token's face. Neither when
 * a token stands over it (straight or diagonally), whose own name is in that
 * space: then the name stays below. Depends only on the
 * document, so every browser draws the same; computed once per version of
 * the tokens map (the view keeps an unchanged map by identity), for every
 * token at once.
 */
export function labelPlacement(view: JsonObject, id: string): LabelPlacement {
  const tokens = asObject(view.tokens);
  if (tokens === null) return 'below';
  let computed = placements.get(tokens);
  if (computed === undefined) {
    computed = placeLabels(tokens);
    placements.set(tokens, computed);
  }
  return computed.get(id) ?? 'below';
}

function placeLabels(tokens: JsonObject): ReadonlyMap<string, LabelPlacement> {
  const boxes: Array<{ readonly id: string; readonly box: Footprint; readonly row: number }> = [];
  for (const [id, value] of Object.entries(tokens)) {
    const face = tokenFace(id, value, undefined);
    if (face === null) continue;
    const half = face.size / 2;
    const box = { left: face.x - half, right: face.x + half, top: face.y - half, bottom: face.y + half };
    boxes.push({ id, box, row: Math.round(box.bottom) });
  }
  boxes.sort((a, b) => a.row - b.row || a.box.left - b.box.left || (a.id < b.id ? -1 : 1));
  /** Another token touches this edge (`'top'`: stands over it, `'bottom'`: under it), straight or diagonally. */
  const touched = (self: Footprint, edge: 'top' | 'bottom'): boolean =>
    boxes.some(
      ({ box: b }) =>
        b !== self &&
        Math.abs(edge === 'top' ? b.bottom - self.top : b.top - self.bottom) < TOUCH &&
        Math.max(self.left - b.right, b.left - self.right) < TOUCH,
    );
  const out = new Map<string, LabelPlacement>();
  let inRun = 0;
  boxes.forEach(({ id, box, row }, i) => {
    const previous = boxes[i - 1];
    inRun = previous !== undefined && previous.row === row && box.left - previous.box.right < TOUCH ? inRun + 1 : 0;
    if ((inRun % 2 === 1 || touched(box, 'bottom')) && !touched(box, 'top')) out.set(id, 'above');
  });
  return out;
}
