import { create } from 'zustand';
import type { Point } from './geometry.ts';

/**
 * The camera: a board point `p` (in pixels of the scene at zoom 1) is drawn
 * at `p * zoom + (x, y)` inside the board element. One transform on the
 * world layer, so panning and zooming never re-render a token.
 */
export interface Camera {
  readonly x: number;
  readonly y: number;
  readonly zoom: number;
}

export const ZOOM_LIMITS = { min: 0.2, max: 4 } as const;

export type Tool = 'select' | 'ruler';

/** What the GM is about to put on the board with the next click. */
export type Placing = { readonly kind: 'monster'; readonly entryId: string; readonly hidden: boolean } | { readonly kind: 'character'; readonly actorId: string };

export type Dialog = 'help' | 'new-character' | 'invite' | 'approvals' | 'log' | null;

/** A shape drawn over the map while aiming, in cells. */
export type AimShape =
  | { readonly kind: 'circle'; readonly centre: Point; readonly radius: number; readonly tone: 'range' | 'far' | 'area' }
  | { readonly kind: 'polygon'; readonly points: readonly Point[]; readonly tone: 'area' };

/**
 * An action being aimed (a game system's attack or spell): the next click on
 * a token or on the map completes it, Esc cancels. What may be picked, what
 * is drawn at the pointer and which tokens it would hit are the action's own
 * rules (the game system's), so the board shows exactly what the server will
 * decide.
 */
export interface Aim {
  /** What the board says while aiming ("Longsword: pick a target"). */
  readonly label: string;
  readonly pick: 'token' | 'point';
  /** Why this token (or, for `point`, this spot) cannot be picked; null when it can. */
  readonly refuse: (target: { readonly tokenId: string } | { readonly at: Point }) => string | null;
  readonly complete: (target: { readonly tokenId: string } | { readonly at: Point }) => void;
  /** Shapes at the pointer (ranges, the area of a spell). */
  readonly draw: (pointer: Point | null) => readonly AimShape[];
  /** Tokens the action would reach from the pointer. */
  readonly hits: (pointer: Point | null) => ReadonlySet<string>;
}

/**
 * In-memory UI state of the open table (the seed's memory tier): camera,
 * selection, tool, dialogs. Reset whenever another table opens.
 */
interface TableUi {
  readonly camera: Camera;
  readonly selection: readonly string[];
  readonly tool: Tool;
  readonly placing: Placing | null;
  readonly dialog: Dialog;
  /** Where the pointer is over the board, in cells; null off the board. */
  readonly pointer: Point | null;
  /** Feed entries the chat panel has shown (the tab counts the rest as unread). */
  readonly chatRead: number;
  readonly aim: Aim | null;
  setCamera(camera: Camera): void;
  select(ids: readonly string[]): void;
  toggleSelected(id: string): void;
  setTool(tool: Tool): void;
  setPlacing(placing: Placing | null): void;
  setDialog(dialog: Dialog): void;
  setPointer(pointer: Point | null): void;
  markChatRead(count: number): void;
  setAim(aim: Aim | null): void;
  reset(): void;
}

const initial = {
  camera: { x: 0, y: 0, zoom: 1 },
  selection: [] as readonly string[],
  tool: 'select' as Tool,
  placing: null,
  dialog: null,
  pointer: null,
  chatRead: 0,
  aim: null,
};

export const useTableUi = create<TableUi>()((set, get) => ({
  ...initial,
  setCamera: (camera) => set({ camera }),
  select: (ids) => set({ selection: ids }),
  toggleSelected: (id) => {
    const selection = get().selection;
    set({ selection: selection.includes(id) ? selection.filter((s) => s !== id) : [...selection, id] });
  },
  setTool: (tool) => set({ tool, placing: null, aim: null }),
  setPlacing: (placing) => set({ placing, tool: 'select', aim: null }),
  setDialog: (dialog) => set({ dialog }),
  setPointer: (pointer) => set({ pointer }),
  markChatRead: (count) => set({ chatRead: count }),
  setAim: (aim) => set({ aim, placing: null, tool: 'select' }),
  reset: () => set(initial),
}));

export function clampZoom(zoom: number): number {
  return Math.min(ZOOM_LIMITS.max, Math.max(ZOOM_LIMITS.min, zoom));
}

/** The camera after zooming by `factor` around a point of the board element (the cursor), which stays put. */
export function zoomAround(camera: Camera, factor: number, at: Point): Camera {
  const zoom = clampZoom(camera.zoom * factor);
  const k = zoom / camera.zoom;
  return { zoom, x: at.x - (at.x - camera.x) * k, y: at.y - (at.y - camera.y) * k };
}

/** The camera that shows a `width` × `height` (px) scene whole and centred in a `viewW` × `viewH` board. */
export function fitCamera(width: number, height: number, viewW: number, viewH: number, margin = 32): Camera {
  const zoom = clampZoom(Math.min((viewW - 2 * margin) / width, (viewH - 2 * margin) / height, 1.5));
  return { zoom, x: (viewW - width * zoom) / 2, y: (viewH - height * zoom) / 2 };
}

/** A point of the board element (px from its top-left) in scene cells. */
export function toCells(camera: Camera, cellPx: number, at: Point): Point {
  return { x: (at.x - camera.x) / camera.zoom / cellPx, y: (at.y - camera.y) / camera.zoom / cellPx };
}
