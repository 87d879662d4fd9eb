import { createContext, useContext } from 'react';
import type { TableHistory } from './history.ts';
import type { Layer } from './layers.ts';
import type { PresencePublisher } from './presence.ts';

export interface TableContext {
  readonly sessionId: string;
  /** This user's presence in the table room (everyone sees it). */
  readonly presence: PresencePublisher;
  /** The presence of a layer's room: what is done with hidden tokens goes to the GM room only ([APP7]). */
  readonly presenceOf: (layer: Layer) => PresencePublisher;
  /** This client's Yjs id in a layer's room: its own awareness state is not someone else's. */
  readonly selfClientId: (layer?: Layer) => number;
  /** This user's undo history of their own free edits. */
  readonly history: TableHistory;
}

export const TableCtx = createContext<TableContext | null>(null);

export function useTable(): TableContext {
  const ctx = useContext(TableCtx);
  if (ctx === null) throw new Error('useTable needs the table screen above it');
  return ctx;
}
