import { usePrefs } from '../app/prefs.ts';
import { type ReactNode, memo } from 'react';
import type { SceneSettings } from './scene.ts';

/** The scene's floor: a filled rectangle with a square grid (one SVG pattern, however large the scene). */
export const Grid = memo(function Grid({ scene }: { readonly scene: SceneSettings }): ReactNode {
  const showGrid = usePrefs((s) => s.showGrid);
  const w = scene.width * scene.cellPx;
  const h = scene.height * scene.cellPx;
  const c = scene.cellPx;
  return (
    <svg className="grid" width={w} height={h} viewBox={`0 0 ${w} ${h}`} aria-hidden="true">
      <defs>
        <pattern id="grid-cell" width={c} height={c} patternUnits="userSpaceOnUse">
          <path d={`M ${c} 0 L 0 0 0 ${c}`} fill="none" className="grid-line" vectorEffect="non-scaling-stroke" />
        </pattern>
      </defs>
      {scene.map === null && <rect className="scene-floor" width={w} height={h} />}
      {showGrid && <rect width={w} height={h} fill="url(#grid-cell)" />}
      <rect className="scene-edge" width={w} height={h} fill="none" vectorEffect="non-scaling-stroke" />
    </svg>
  );
});
