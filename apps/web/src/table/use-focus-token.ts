import { useSessionClient } from '@dungeon-lab/client-react';
import { useCallback } from 'react';
import { entity } from './Token.tsx';
import { readScene } from './scene.ts';
import { useTableUi } from './table-ui.ts';

/** Centres the view on a token and selects it (and focuses its button, for keyboard users). */
export function useFocusToken(): (tokenId: string) => void {
  const client = useSessionClient();
  return useCallback(
    (tokenId: string) => {
      const view = client.view.get();
      const token = entity(view, 'tokens', tokenId) as { x?: unknown; y?: unknown } | undefined;
      const board = document.querySelector<HTMLElement>('.board');
      if (token === undefined || board === null || typeof token.x !== 'number' || typeof token.y !== 'number') return;
      const scene = readScene(view.scene);
      const ui = useTableUi.getState();
      const zoom = ui.camera.zoom;
      ui.setCamera({ zoom, x: board.clientWidth / 2 - token.x * scene.cellPx * zoom, y: board.clientHeight / 2 - token.y * scene.cellPx * zoom });
      ui.select([tokenId]);
      board.querySelector<HTMLElement>(`[data-token-id="${CSS.escape(tokenId)}"]`)?.focus({ preventScroll: true });
    },
    [client],
  );
}
