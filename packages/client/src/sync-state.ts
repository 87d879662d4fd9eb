/**
 * The sync state of one document (and, aggregated, of a session). The state
 * follows the socket truthfully: OFFLINE whenever no socket exists, whether
 * the client went offline on purpose, the server refused it for good, or a
 * reconnect is waiting out its backoff delay.
 */
export const SyncState = {
  OFFLINE: 'OFFLINE',
  CONNECTING: 'CONNECTING',
  SYNCING: 'SYNCING',
  SYNCED: 'SYNCED',
  OUT_OF_SYNC: 'OUT_OF_SYNC',
  RESYNCING: 'RESYNCING',
} as const;
export type SyncState = (typeof SyncState)[keyof typeof SyncState];

/** What can happen to a document's connection. */
export type SyncEvent =
  /** A socket is being opened. */
  | 'connect'
  /** The socket opened and the initial sync step 1 went out. */
  | 'open'
  /** The server's sync step 2 arrived (answer to an initial sync or a resync). */
  | 'sync-done'
  /** A checksum showed the local document disagrees with the server. */
  | 'drift'
  /** A resync request (sync step 1 plus what the server lacks) went out. */
  | 'resync'
  /** The socket is gone, for whatever reason. */
  | 'close';

export const SYNC_EVENTS: readonly SyncEvent[] = ['connect', 'open', 'sync-done', 'drift', 'resync', 'close'];

/**
 * The transition table. Pairs not listed leave the state unchanged: events can
 * legitimately arrive late (a step 2 after a drift was already declared), and
 * ignoring them is safer than inventing a state.
 */
const TRANSITIONS: Readonly<Record<SyncState, Partial<Record<SyncEvent, SyncState>>>> = {
  OFFLINE: { connect: 'CONNECTING' },
  CONNECTING: { open: 'SYNCING', close: 'OFFLINE' },
  SYNCING: { 'sync-done': 'SYNCED', close: 'OFFLINE' },
  SYNCED: { drift: 'OUT_OF_SYNC', resync: 'RESYNCING', close: 'OFFLINE' },
  OUT_OF_SYNC: { resync: 'RESYNCING', close: 'OFFLINE' },
  RESYNCING: { 'sync-done': 'SYNCED', close: 'OFFLINE' },
};

export function nextSyncState(state: SyncState, event: SyncEvent): SyncState {
  return TRANSITIONS[state][event] ?? state;
}

/** Farther from SYNCED is worse; the session shows its worst document. */
const SEVERITY: Readonly<Record<SyncState, number>> = {
  SYNCED: 0,
  SYNCING: 1,
  RESYNCING: 2,
  OUT_OF_SYNC: 3,
  CONNECTING: 4,
  OFFLINE: 5,
};

export function aggregateSyncState(states: Iterable<SyncState>): SyncState {
  let worst: SyncState = SyncState.SYNCED;
  for (const state of states) {
    if (SEVERITY[state] > SEVERITY[worst]) worst = state;
  }
  return worst;
}
