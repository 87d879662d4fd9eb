import type { JsonObject, JsonValue } from '@dungeon-lab/events';

/**
 * The stage as the GM set it under `/scene`: a square grid of `width` ×
 * `height` cells drawn `cellPx` pixels wide at zoom 1, each cell
 * `feetPerUnit` feet across. Token positions are token centres in cells, the
 * unit the rules measure in (docs/plugins.md).
 */
export interface SceneSettings {
  readonly name: string;
  readonly cellPx: number;
  readonly feetPerUnit: number;
  readonly width: number;
  readonly height: number;
  /** The map image under the grid, stretched over the scene; null for a bare grid. */
  readonly map: SceneMap | null;
}

/** An uploaded image by its hash (the server's asset), with its size in pixels. */
export interface SceneMap {
  readonly hash: string;
  readonly width: number;
  readonly height: number;
}

export const SCENE_LIMITS = {
  cellPx: { min: 24, max: 256 },
  feetPerUnit: { min: 1, max: 100 },
  width: { min: 4, max: 200 },
  height: { min: 4, max: 200 },
} as const;

export const DEFAULT_SCENE: SceneSettings = { name: 'Scene', cellPx: 64, feetPerUnit: 5, width: 30, height: 20, map: null };

const HASH = /^[0-9a-f]{64}$/;

function readMap(value: JsonValue | undefined): SceneMap | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { hash, width, height } = value;
  if (typeof hash !== 'string' || !HASH.test(hash) || typeof width !== 'number' || typeof height !== 'number' || width <= 0 || height <= 0) return null;
  return { hash, width, height };
}

function numberIn(value: JsonValue | undefined, limits: { min: number; max: number }, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= limits.min && value <= limits.max ? value : fallback;
}

/** The scene's settings, with defaults for anything absent or out of range (the document may hold any shape). */
export function readScene(scene: JsonValue | undefined): SceneSettings {
  const s: JsonObject = typeof scene === 'object' && scene !== null && !Array.isArray(scene) ? scene : {};
  return {
    name: typeof s.name === 'string' && s.name.trim() !== '' ? s.name : DEFAULT_SCENE.name,
    cellPx: numberIn(s.cellPx, SCENE_LIMITS.cellPx, DEFAULT_SCENE.cellPx),
    feetPerUnit: numberIn(s.feetPerUnit, SCENE_LIMITS.feetPerUnit, DEFAULT_SCENE.feetPerUnit),
    width: Math.round(numberIn(s.width, SCENE_LIMITS.width, DEFAULT_SCENE.width)),
    height: Math.round(numberIn(s.height, SCENE_LIMITS.height, DEFAULT_SCENE.height)),
    map: readMap(s.map),
  };
}

/** Whether the stored scene lacks settings a GM's client should write once (a new session). */
export function sceneNeedsSetup(scene: JsonValue | undefined): boolean {
  return typeof scene !== 'object' || scene === null || Array.isArray(scene) || typeof scene.cellPx !== 'number';
}

/** Equal settings (the map by its fields): a component selecting the scene re-renders only when it changes. */
export function sameScene(a: SceneSettings, b: SceneSettings): boolean {
  return (
    a.name === b.name &&
    a.cellPx === b.cellPx &&
    a.feetPerUnit === b.feetPerUnit &&
    a.width === b.width &&
    a.height === b.height &&
    (a.map === b.map || (a.map !== null && b.map !== null && a.map.hash === b.map.hash && a.map.width === b.map.width && a.map.height === b.map.height))
  );
}
