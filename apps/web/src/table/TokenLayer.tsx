import { GM_DOC } from '@dungeon-lab/client';
import { shallowEqual } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import { type ReactNode, memo } from 'react';
import { Token } from './Token.tsx';
import { type Layer } from './layers.ts';
import { useLayerJson } from './use-layer.ts';
import type { SceneSettings } from './scene.ts';

function tokenIds(view: JsonObject): readonly string[] {
  const tokens = view.tokens;
  if (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens)) return [];
  // A stable order, so nodes never move in the DOM and keyboard focus order stays put.
  return Object.keys(tokens).sort();
}

/**
 * One component per token; the list itself re-renders only when tokens are
 * added or removed. The GM layer (hidden tokens) is drawn for GMs under the
 * table's, from the GM document a player's client never holds.
 */
export const TokenLayer = memo(function TokenLayer({ scene, layer }: { readonly scene: SceneSettings; readonly layer: Layer }): ReactNode {
  const ids = useLayerJson(layer, tokenIds, shallowEqual);
  const label = layer === GM_DOC ? `Hidden tokens (${ids.length})` : `Tokens (${ids.length})`;
  return (
    <div className={`token-layer layer-${layer}`} role="group" aria-label={label}>
      {ids.map((id) => (
        <Token key={id} id={id} scene={scene} layer={layer} />
      ))}
    </div>
  );
});
