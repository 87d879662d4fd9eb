import type { SessionClient } from '@dungeon-lab/client';
import { type JsonObject, type JsonValue, type StateReader, createJsonReader } from '@dungeon-lab/events';
import { AREA_SPELLS, type AreaSpellId, attackIntent, castAoeIntent, castAoeTargetIds, feetPerUnit, parseActor } from '@dungeon-lab/plugin-dnd5e';
import type { Point } from '../../table/geometry.ts';
import type { Aim, AimShape } from '../../table/table-ui.ts';

/** Who acts: an actor and the token it acts from. */
export interface Actor5e {
  readonly actorId: string;
  readonly tokenId: string;
  readonly at: Point;
}

function context(client: SessionClient) {
  const { userId, role } = client.identity.get();
  return { userId, sessionId: client.sessionId, timestamp: Date.now(), ...(role === null ? {} : { role }) };
}

/** The plugin's own verdict on a payload, as the server will judge it before rolling; null when it passes. */
function verdict(problem: { ok: true } | { ok: false; detail?: string; reason: string }): string | null {
  return problem.ok ? null : (problem.detail ?? problem.reason);
}

function tokenActor(view: JsonObject, tokenId: string): string | null {
  const token = (view.tokens as Record<string, JsonObject> | undefined)?.[tokenId];
  return typeof token?.actorId === 'string' ? token.actorId : null;
}

const NOTHING: ReadonlySet<string> = new Set();

/**
 * Aiming a weapon attack ([APP11]): a target token the plugin's attack rules
 * accept — alive, in reach or in range, the attacker able to act — with the
 * reason the rules give for any other. The ranges show around the attacker.
 */
export function attackAim(client: SessionClient, attacker: Actor5e, weaponId: string, weaponName: string, range: { normal: number; long: number | null }, damageDice: string): Aim {
  const check = (tokenId: string, view: JsonObject, reader: StateReader): string | null => {
    if (tokenId === attacker.tokenId) return 'A creature does not attack itself.';
    const targetId = tokenActor(view, tokenId);
    if (targetId === null) return 'Only creatures can be attacked.';
    return verdict(attackIntent.validate({ attackerId: attacker.actorId, targetId, weaponId, damageDice }, reader, context(client)));
  };
  return {
    label: `${weaponName}: pick a target`,
    pick: 'token',
    refuse: (target) => {
      if (!('tokenId' in target)) return 'Pick a creature.';
      const view = client.view.get();
      return check(target.tokenId, view, createJsonReader(view));
    },
    complete: (target) => {
      if (!('tokenId' in target)) return;
      const targetId = tokenActor(client.view.get(), target.tokenId);
      if (targetId !== null) client.act('dnd5e', { kind: 'attack', data: { attackerId: attacker.actorId, targetId, weaponId } });
    },
    draw: () => {
      const feet = feetPerUnit(createJsonReader(client.view.get()));
      return range.long === null ? [rangeShape(attacker.at, range.normal, feet, 'range')] : [rangeShape(attacker.at, range.normal, feet, 'range'), rangeShape(attacker.at, range.long, feet, 'far')];
    },
    hits: () => NOTHING,
  };
}

/** The circle a range reaches from a token's centre, in cells. */
function rangeShape(centre: Point, feet: number, feetPerCell: number, tone: 'range' | 'far'): AimShape {
  return { kind: 'circle', centre, radius: feet / feetPerCell + 0.5, tone };
}

/** Where a spell is aimed: the nearest cell centre or corner, as templates snap. */
function snapHalf(p: Point): Point {
  return { x: Math.round(p.x * 2) / 2, y: Math.round(p.y * 2) / 2 };
}

/** The area of a spell aimed at `aim` from `origin`, in cells (the plugin's shapes: sphere, cone, line). */
export function areaShape(spell: AreaSpellId, origin: Point, aim: Point, feetPerCell: number): AimShape | null {
  const area = AREA_SPELLS[spell].area;
  if (area.shape === 'sphere') return { kind: 'circle', centre: aim, radius: area.radius / feetPerCell, tone: 'area' };
  const dx = aim.x - origin.x;
  const dy = aim.y - origin.y;
  const d = Math.hypot(dx, dy);
  if (d === 0) return null;
  const ux = dx / d;
  const uy = dy / d;
  const length = area.length / feetPerCell;
  const along = (k: number) => ({ x: origin.x + ux * k, y: origin.y + uy * k });
  if (area.shape === 'cone') {
    const end = along(length);
    // A 5e cone is as wide at any point as that point is far from the origin.
    return { kind: 'polygon', tone: 'area', points: [origin, { x: end.x - uy * (length / 2), y: end.y + ux * (length / 2) }, { x: end.x + uy * (length / 2), y: end.y - ux * (length / 2) }] };
  }
  const half = area.width / feetPerCell / 2;
  const end = along(length);
  return {
    kind: 'polygon',
    tone: 'area',
    points: [
      { x: origin.x - uy * half, y: origin.y + ux * half },
      { x: end.x - uy * half, y: end.y + ux * half },
      { x: end.x + uy * half, y: end.y - ux * half },
      { x: origin.x + uy * half, y: origin.y - ux * half },
    ],
  };
}

/**
 * Aiming an area spell ([APP11]): its template follows the pointer, the
 * creatures the plugin would put in the area are ringed, and a click casts
 * where the plugin's rules allow (in range, a direction for cones and lines,
 * a slot left), with the rules' reason anywhere else.
 */
export function spellAim(client: SessionClient, caster: Actor5e, spell: AreaSpellId, slotLevel: number): Aim {
  const payload = (at: Point) => ({ casterId: caster.actorId, spell, slotLevel, x: at.x, y: at.y });
  const name = AREA_SPELLS[spell].name;
  const range = AREA_SPELLS[spell].range;
  return {
    label: `${name}: place the area`,
    pick: 'point',
    refuse: (target) => ('at' in target ? verdict(castAoeIntent.validate(payload(snapHalf(target.at)), createJsonReader(client.view.get()), context(client))) : 'Pick a spot on the map.'),
    complete: (target) => {
      if ('at' in target) client.act('dnd5e', { kind: 'castAoe', data: payload(snapHalf(target.at)) });
    },
    draw: (pointer) => {
      const feet = feetPerUnit(createJsonReader(client.view.get()));
      const shapes: AimShape[] = range === 'self' ? [] : [rangeShape(caster.at, range, feet, 'range')];
      const area = pointer === null ? null : areaShape(spell, caster.at, snapHalf(pointer), feet);
      return area === null ? shapes : [...shapes, area];
    },
    hits: (pointer) => {
      if (pointer === null) return NOTHING;
      const view = client.view.get();
      const actors = new Set(castAoeTargetIds(payload(snapHalf(pointer)), createJsonReader(view)));
      const tokens = (view.tokens ?? {}) as Record<string, JsonObject>;
      return new Set(Object.keys(tokens).filter((id) => actors.has(tokenActor(view, id) ?? '')));
    },
  };
}

/** Whether an actor reads as a 5e actor (the sheet's and the tracker's test). */
export function is5eActor(actor: JsonValue | undefined): boolean {
  return parseActor(actor, 'actor').ok;
}
