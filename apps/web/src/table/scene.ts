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
}

export const SCENE_LIMITS = {
  cellPx: { min: 24, max: 256 },
  feetPerUnit: { min: 1, max: 100 },
  width: { min: 4, max: 200 },
  height: { min: 4, max: 200 },
} as const;

export const DEFAULT_SCENE: SceneSettings = { name: 'Scene', cellPx: 64, feetPerUnit: 5, width: 30, height: 20 };

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
  };
}

/** Whether the stored scene lacks settings a GM's client should write once (a new session). */
export function sceneNeedsSetup(scene: JsonValue | undefined): boolean {
  return typeof scene !== 'object' || scene === null || Array.isArray(scene) || typeof scene.cellPx !== 'number';
}
