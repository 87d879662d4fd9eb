import { create } from 'zustand';
import type { Point } from './geometry.ts';
import type { Layer } from './layers.ts';

/**
 * This user's gestures in progress, in memory: a token being dragged (where
 * the pointer has it, where it would land, where it came from) and a ruler
 * being drawn. Only the dragged token and the overlay read it, so a drag
 * re-renders one token a frame.
 */
export interface LocalDrag {
  readonly tokenId: string;
  readonly at: Point;
  readonly snapped: Point;
  readonly from: Point;
  /** Cells a side, for the landing ghost. */
  readonly size: number;
  /** Where the token lives: a hidden token's drag must not show through the table room (not even as the cursor). */
  readonly layer: Layer;
}

interface Gestures {
  readonly drag: LocalDrag | null;
  readonly ruler: { readonly from: Point; readonly to: Point } | null;
  setDrag(drag: LocalDrag | null): void;
  setRuler(ruler: { readonly from: Point; readonly to: Point } | null): void;
}

export const useGestures = create<Gestures>()((set) => ({
  drag: null,
  ruler: null,
  setDrag: (drag) => set({ drag }),
  setRuler: (ruler) => set({ ruler }),
}));
