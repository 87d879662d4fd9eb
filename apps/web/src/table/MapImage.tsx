import { type ReactNode, memo } from 'react';
import { useAssetUrl } from '../assets/use-asset.ts';
import type { SceneMap } from './scene.ts';

/** The scene's map under the grid, stretched over the scene; a placeholder while its bytes load. */
export const MapImage = memo(function MapImage({ map, width, height }: { readonly map: SceneMap; readonly width: number; readonly height: number }): ReactNode {
  const url = useAssetUrl(map.hash);
  if (url === null) return <div className="scene-map loading" style={{ width, height }} aria-hidden="true" />;
  return <img className="scene-map" src={url} width={width} height={height} alt="" draggable={false} data-map-hash={map.hash} />;
});
