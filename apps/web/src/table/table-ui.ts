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

export type Dialog = 'help' | 'new-character' | 'invite' | null;

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
  setCamera(camera: Camera): void;
  select(ids: readonly string[]): void;
  toggleSelected(id: string): void;
  setTool(tool: Tool): void;
  setPlacing(placing: Placing | null): void;
  setDialog(dialog: Dialog): void;
  setPointer(pointer: Point | null): void;
  markChatRead(count: number): void;
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
};

export const useTableUi = create<TableUi>()((set, get) => ({
  ...initial,
  setCamera: (camera) => set({ camera }),
  select: (ids) => set({ selection: ids }),
  toggleSelected: (id) => {
    const selection = get().selection;
    set({ selection: selection.includes(id) ? selection.filter((s) => s !== id) : [...selection, id] });
  },
  setTool: (tool) => set({ tool, placing: null }),
  setPlacing: (placing) => set({ placing, tool: 'select' }),
  setDialog: (dialog) => set({ dialog }),
  setPointer: (pointer) => set({ pointer }),
  markChatRead: (count) => set({ chatRead: count }),
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
