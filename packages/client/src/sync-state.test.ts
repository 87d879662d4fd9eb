import { describe, expect, it } from 'vitest';
import { SYNC_EVENTS, SyncState, aggregateSyncState, nextSyncState, type SyncEvent } from './sync-state.ts';

const { OFFLINE, CONNECTING, SYNCING, SYNCED, OUT_OF_SYNC, RESYNCING } = SyncState;

// The whole table, written out: every state × every event.
const expected: Record<SyncState, Record<SyncEvent, SyncState>> = {
  OFFLINE: { connect: CONNECTING, open: OFFLINE, 'sync-done': OFFLINE, drift: OFFLINE, resync: OFFLINE, close: OFFLINE },
  CONNECTING: { connect: CONNECTING, open: SYNCING, 'sync-done': CONNECTING, drift: CONNECTING, resync: CONNECTING, close: OFFLINE },
  SYNCING: { connect: SYNCING, open: SYNCING, 'sync-done': SYNCED, drift: SYNCING, resync: SYNCING, close: OFFLINE },
  SYNCED: { connect: SYNCED, open: SYNCED, 'sync-done': SYNCED, drift: OUT_OF_SYNC, resync: RESYNCING, close: OFFLINE },
  OUT_OF_SYNC: {
    connect: OUT_OF_SYNC,
    open: OUT_OF_SYNC,
    'sync-done': OUT_OF_SYNC,
    drift: OUT_OF_SYNC,
    resync: RESYNCING,
    close: OFFLINE,
  },
  RESYNCING: { connect: RESYNCING, open: RESYNCING, 'sync-done': SYNCED, drift: RESYNCING, resync: RESYNCING, close: OFFLINE },
};

describe('nextSyncState', () => {
  for (const state of Object.values(SyncState)) {
    for (const event of SYNC_EVENTS) {
      it(`${state} --${event}--> ${expected[state][event]}`, () => {
        expect(nextSyncState(state, event)).toBe(expected[state][event]);
      });
    }
  }

  it('walks the drift cycle and back', () => {
    const events: SyncEvent[] = ['connect', 'open', 'sync-done', 'drift', 'resync', 'sync-done', 'close', 'connect'];
    const path: SyncState[] = [OFFLINE];
    for (const event of events) path.push(nextSyncState(path[path.length - 1]!, event));
    expect(path).toEqual([OFFLINE, CONNECTING, SYNCING, SYNCED, OUT_OF_SYNC, RESYNCING, SYNCED, OFFLINE, CONNECTING]);
  });
});

describe('aggregateSyncState', () => {
  it('is SYNCED only when every document is', () => {
    expect(aggregateSyncState([SYNCED, SYNCED])).toBe(SYNCED);
    expect(aggregateSyncState([SYNCED, SYNCING])).toBe(SYNCING);
  });

  it('shows the worst document', () => {
    expect(aggregateSyncState([SYNCED, RESYNCING, SYNCING])).toBe(RESYNCING);
    expect(aggregateSyncState([RESYNCING, OUT_OF_SYNC])).toBe(OUT_OF_SYNC);
    expect(aggregateSyncState([OUT_OF_SYNC, CONNECTING])).toBe(CONNECTING);
    expect(aggregateSyncState([CONNECTING, SYNCED, OFFLINE])).toBe(OFFLINE);
  });
});
