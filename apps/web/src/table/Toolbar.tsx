import type { ReactNode } from 'react';
import { usePrefs } from '../app/prefs.ts';
import { useTable } from './table-context.ts';
import { type Tool, useTableUi } from './table-ui.ts';

const TOOLS: readonly { readonly tool: Tool; readonly label: string; readonly key: string; readonly icon: ReactNode }[] = [
  {
    tool: 'select',
    label: 'Select and move',
    key: 'V',
    icon: <path d="M5 3 L5 19 L9.5 14.5 L13 21 L15.5 20 L12 13.5 L18 13.5 Z" />,
  },
  {
    tool: 'ruler',
    label: 'Measure distance',
    key: 'R',
    icon: <path d="M3 16 L16 3 L21 8 L8 21 Z M7 12 l2 2 M10 9 l2 2 M13 6 l2 2" fill="none" strokeWidth="1.6" />,
  },
];

/** The tool rail: what a press on the map does, and the grid switch. */
export function Toolbar(): ReactNode {
  const tool = useTableUi((s) => s.tool);
  const setTool = useTableUi((s) => s.setTool);
  const showGrid = usePrefs((s) => s.showGrid);
  const { history } = useTable();
  const canUndo = history.state((s) => s.canUndo);
  const canRedo = history.state((s) => s.canRedo);
  const setPrefs = usePrefs((s) => s.set);
  return (
    <nav className="tool-rail" aria-label="Tools">
      {TOOLS.map((t) => (
        <button key={t.tool} type="button" className="tool" aria-pressed={tool === t.tool} onClick={() => setTool(t.tool)} aria-label={t.label} title={`${t.label} (${t.key})`}>
          <svg viewBox="0 0 24 24" aria-hidden="true" fill="currentColor" stroke="currentColor">
            {t.icon}
          </svg>
        </button>
      ))}
      <hr />
      <button type="button" className="tool" disabled={!canUndo} onClick={() => history.undo()} aria-label="Undo your last change" title="Undo (Ctrl+Z)">
        <svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
          <path d="M9 14 4 9l5-5" />
          <path d="M4 9h10a6 6 0 0 1 0 12h-3" />
        </svg>
      </button>
      <button type="button" className="tool" disabled={!canRedo} onClick={() => history.redo()} aria-label="Redo" title="Redo (Ctrl+Shift+Z)">
        <svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
          <path d="m15 14 5-5-5-5" />
          <path d="M20 9H10a6 6 0 0 0 0 12h3" />
        </svg>
      </button>
      <hr />
      <button type="button" className="tool" aria-pressed={showGrid} onClick={() => setPrefs({ showGrid: !showGrid })} aria-label="Show grid" title="Show grid (G)">
        <svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.6">
          <path d="M3 3h18v18H3z M9 3v18 M15 3v18 M3 9h18 M3 15h18" />
        </svg>
      </button>
      <p className="tool-tip muted small">Alt+click to ping</p>
    </nav>
  );
}
