import { createContext, useContext } from 'react';
import type { Point } from './geometry.ts';

/**
 * Where the board is on screen, for turning pointer positions into cells. A
 * function rather than numbers, so it reads the element's rectangle and the
 * camera at the moment of the event.
 */
export interface BoardFrame {
  /** A pointer's client position in scene cells. */
  toCells(clientX: number, clientY: number): Point;
  /** Whether the space bar is held (space-drag pans over tokens too). */
  spaceHeld(): boolean;
}

export const BoardFrameCtx = createContext<BoardFrame | null>(null);

export function useBoardFrame(): BoardFrame {
  const frame = useContext(BoardFrameCtx);
  if (frame === null) throw new Error('useBoardFrame needs the Board above it');
  return frame;
}
