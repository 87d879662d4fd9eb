import { createContext, useContext } from 'react';
import type { TableHistory } from './history.ts';
import type { PresencePublisher } from './presence.ts';

export interface TableContext {
  readonly sessionId: string;
  readonly presence: PresencePublisher;
  /** This client's Yjs id in the table room: its own awareness state is not someone else's. */
  readonly selfClientId: () => number;
  /** This user's undo history of their own free edits. */
  readonly history: TableHistory;
}

export const TableCtx = createContext<TableContext | null>(null);

export function useTable(): TableContext {
  const ctx = useContext(TableCtx);
  if (ctx === null) throw new Error('useTable needs the table screen above it');
  return ctx;
}
