import type { ReactNode, RefObject } from 'react';
import type { SceneSettings } from './scene.ts';
import { fitCamera, useTableUi, zoomAround } from './table-ui.ts';

/** Zooms the view by `factor` around the middle of the board. */
export function zoomBy(factor: number, board: HTMLElement | null): void {
  if (board === null) return;
  const ui = useTableUi.getState();
  ui.setCamera(zoomAround(ui.camera, factor, { x: board.clientWidth / 2, y: board.clientHeight / 2 }));
}

/** Shows the whole scene. */
export function fitView(scene: SceneSettings, board: HTMLElement | null): void {
  if (board === null) return;
  useTableUi.getState().setCamera(fitCamera(scene.width * scene.cellPx, scene.height * scene.cellPx, board.clientWidth, board.clientHeight));
}

export function ZoomControls({ scene, boardRef }: { readonly scene: SceneSettings; readonly boardRef: RefObject<HTMLDivElement | null> }): ReactNode {
  const zoom = useTableUi((s) => s.camera.zoom);
  return (
    <div className="zoom-controls" role="group" aria-label="Zoom" onPointerDown={(e) => e.stopPropagation()}>
      <button type="button" onClick={() => zoomBy(1.25, boardRef.current)} aria-label="Zoom in" title="Zoom in (+)">
        +
      </button>
      <output aria-label="Zoom level">{Math.round(zoom * 100)}%</output>
      <button type="button" onClick={() => zoomBy(0.8, boardRef.current)} aria-label="Zoom out" title="Zoom out (−)">
        −
      </button>
      <button type="button" onClick={() => fitView(scene, boardRef.current)} aria-label="Show the whole map" title="Show the whole map (0)">
        Fit
      </button>
    </div>
  );
}
