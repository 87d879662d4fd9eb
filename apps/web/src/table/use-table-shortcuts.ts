import { useSessionClient } from '@dungeon-lab/client-react';
import { useEffect } from 'react';
import { usePrefs } from '../app/prefs.ts';
import { toast } from '../app/toasts.ts';
import { isTyping } from './Board.tsx';
import { fitView, zoomBy } from './ZoomControls.tsx';
import { useGestures } from './local-drag.ts';
import { readScene } from './scene.ts';
import { removeTokens } from './table-edits.ts';
import type { TableHistory } from './history.ts';
import { useTableUi } from './table-ui.ts';
import { useViewer } from './use-role.ts';

/** The table's keyboard shortcuts (listed in HelpDialog's SHORTCUTS); none fire while typing in a field or with a dialog open. */
export function useTableShortcuts(history: TableHistory): void {
  const client = useSessionClient();
  const { isGm } = useViewer();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTyping(e.target)) return;
      const ui = useTableUi.getState();
      if (ui.dialog !== null) return;
      if ((e.ctrlKey || e.metaKey) && !e.altKey) {
        const key = e.key.toLowerCase();
        if (key === 'z' && !e.shiftKey) history.undo();
        else if ((key === 'z' && e.shiftKey) || key === 'y') history.redo();
        else return;
        e.preventDefault();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const board = document.querySelector<HTMLElement>('.board');
      switch (e.key) {
        case '?':
          ui.setDialog('help');
          break;
        case 'v':
        case 'V':
          ui.setTool('select');
          break;
        case 'r':
        case 'R':
          ui.setTool('ruler');
          break;
        case 'g':
        case 'G':
          usePrefs.getState().set({ showGrid: !usePrefs.getState().showGrid });
          break;
        case '+':
        case '=':
          zoomBy(1.25, board);
          break;
        case '-':
        case '_':
          zoomBy(0.8, board);
          break;
        case '0':
          fitView(readScene(client.view.get().scene), board);
          break;
        case 'n':
        case 'N':
          if (!isGm) return;
          ui.setDialog('new-character');
          break;
        case 'Delete':
        case 'Backspace': {
          if (!isGm || ui.selection.length === 0) return;
          const count = ui.selection.length;
          removeTokens(client, ui.selection);
          ui.select([]);
          toast({ tone: 'info', title: count === 1 ? 'Token removed' : `${count} tokens removed` });
          break;
        }
        case 'Escape':
          if (useGestures.getState().drag !== null) return;
          if (ui.aim !== null) ui.setAim(null);
          else if (ui.placing !== null) ui.setPlacing(null);
          else if (ui.tool !== 'select') ui.setTool('select');
          else ui.select([]);
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [client, isGm, history]);
}
