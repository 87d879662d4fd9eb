import { shallowEqual, useView } from '@dungeon-lab/client-react';
import type { JsonObject } from '@dungeon-lab/events';
import { type ReactNode, memo } from 'react';
import { Token } from './Token.tsx';
import type { SceneSettings } from './scene.ts';

function tokenIds(view: JsonObject): readonly string[] {
  const tokens = view.tokens;
  if (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens)) return [];
  // A stable order, so nodes never move in the DOM and keyboard focus order stays put.
  return Object.keys(tokens).sort();
}

/** One component per token; the list itself re-renders only when tokens are added or removed. */
export const TokenLayer = memo(function TokenLayer({ scene }: { readonly scene: SceneSettings }): ReactNode {
  const ids = useView(tokenIds, shallowEqual);
  return (
    <div className="token-layer" role="group" aria-label={`Tokens (${ids.length})`}>
      {ids.map((id) => (
        <Token key={id} id={id} scene={scene} />
      ))}
    </div>
  );
});
