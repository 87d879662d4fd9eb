import type { SessionClient } from '@dungeon-lab/client';
import { BESTIARY } from '@dungeon-lab/plugin-dnd5e';
import * as edits from '../table/table-edits.ts';

/**
 * `window.__dl`: a handle on the running session client and the table's edit
 * functions, for the browser's console and for the end-to-end suite (which
 * forges an edit through it to prove the server refuses it, and lays out
 * 200 tokens at once), plus render counts of token components for the
 * benchmark. It gives a page nothing it could not reach already.
 */
export interface DebugHandle {
  client: SessionClient | null;
  readonly tokenRenders: Map<string, number>;
  readonly edits: typeof edits;
  readonly bestiary: typeof BESTIARY;
}

declare global {
  interface Window {
    __dl?: DebugHandle;
  }
}

function handle(): DebugHandle {
  window.__dl ??= { client: null, tokenRenders: new Map(), edits, bestiary: BESTIARY };
  return window.__dl;
}

export function exposeClient(client: SessionClient | null): void {
  handle().client = client;
}

/** Counts a render of a token's component (read by bench/ to prove a remote move re-renders one token). */
export function countTokenRender(id: string): void {
  const renders = handle().tokenRenders;
  renders.set(id, (renders.get(id) ?? 0) + 1);
}
