import type { ReactNode } from 'react';
import { Dialog } from '../app/Dialog.tsx';
import { useTableUi } from './table-ui.ts';
import { useViewer } from './use-role.ts';

export const SHORTCUTS: readonly { readonly keys: readonly string[]; readonly what: string; readonly gm?: boolean }[] = [
  { keys: ['V'], what: 'Select and move tokens' },
  { keys: ['R'], what: 'Measure distances' },
  { keys: ['Drag empty space', 'Space+drag', 'Middle button'], what: 'Pan the map' },
  { keys: ['Wheel', 'Pinch', '+', '−'], what: 'Zoom towards the pointer' },
  { keys: ['0'], what: 'Show the whole map' },
  { keys: ['G'], what: 'Show or hide the grid' },
  { keys: ['Alt+click'], what: 'Ping: everyone sees a ripple there' },
  { keys: ['←', '↑', '→', '↓'], what: 'Move the focused token one cell' },
  { keys: ['Shift+click'], what: 'Add a token to the selection' },
  { keys: ['Esc'], what: 'Cancel a drag or placement, then clear the selection' },
  { keys: ['Ctrl+Z'], what: 'Undo your last change (never someone else’s)' },
  { keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], what: 'Redo' },
  { keys: ['Delete'], what: 'Remove the selected tokens', gm: true },
  { keys: ['N'], what: 'New character', gm: true },
  { keys: ['?'], what: 'This help' },
];

export function HelpDialog(): ReactNode {
  const open = useTableUi((s) => s.dialog === 'help');
  const setDialog = useTableUi((s) => s.setDialog);
  const { isGm } = useViewer();
  if (!open) return null;
  return (
    <Dialog title="Keyboard shortcuts" onClose={() => setDialog(null)} wide>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.filter((s) => isGm || !s.gm).map((s) => (
            <tr key={s.what}>
              <th scope="row">
                {s.keys.map((k) => (
                  <kbd key={k}>{k}</kbd>
                ))}
              </th>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Tokens are buttons: Tab reaches them, Enter selects one. Only the game master and a token’s player can move it. Every change is kept on this device until the
        server has saved it — the badge at the top right says how many are waiting.
      </p>
    </Dialog>
  );
}
