import { MessageType, decodeMessage } from '@dungeon-lab/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DriftReason } from './drift-detector.ts';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, startTestServer, testClient, waitFor, type TestServer } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';
import { SyncState } from './sync-state.ts';

let server: TestServer;
const clients: SessionClient[] = [];
beforeEach(async () => {
  server = await startTestServer({ checksumIntervalMs: 50 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await server.dispose();
});

/**
 * Sync mechanics, tested on the GM's document: it has no per-path write
 * rules (the table's are the server's business, docs/security.md), so any
 * edit is a fair test edit.
 */
const DOC = 'gm';

/** Two clients (two of the GM's devices) of a new session. */
async function clientsOfNewSession(first: Partial<Parameters<typeof testClient>[1]> = {}): Promise<[SessionClient, SessionClient]> {
  const sess = await createTestSession(server.url, ['gm']);
  const one = (extra: Partial<Parameters<typeof testClient>[1]> = {}) =>
    testClient(server.url, { sessionId: sess.id, token: sess.gm.token, docs: [DOC], persistence: memoryPersistence(), ...extra });
  return [one(first), one()];
}

async function pair(): Promise<[SessionClient, SessionClient]> {
  const [a, b] = await clientsOfNewSession();
  clients.push(a, b);
  await Promise.all([a.whenSynced(), b.whenSynced()]);
  b.doc(DOC).getMap('tokens').set('seed', 1);
  await waitFor(() => a.doc(DOC).getMap('tokens').has('seed'), 'seed reaches a');
  return [a, b];
}

/** Makes `c` drop the next inbound sync update, as a lossy transport would. */
function swallowNextInboundUpdate(c: SessionClient): { swallowed: () => boolean } {
  let done = false;
  c.channel(DOC).intercept(MessageType.Sync, (frame, deliver) => {
    if (!done && decodeMessage(frame).type === 'sync-update') done = true;
    else deliver();
  });
  return { swallowed: () => done };
}

function watchDrift(c: SessionClient) {
  const transitions: string[] = [];
  const drifts: DriftReason[] = [];
  c.on('transition', (e) => transitions.push(`${e.from}->${e.to}`));
  c.on('drift', (e) => drifts.push(e.reason));
  return { transitions, drifts };
}

const REPAIR = [
  `${SyncState.SYNCED}->${SyncState.OUT_OF_SYNC}`,
  `${SyncState.OUT_OF_SYNC}->${SyncState.RESYNCING}`,
  `${SyncState.RESYNCING}->${SyncState.SYNCED}`,
];

function sameContent(a: SessionClient, b: SessionClient): boolean {
  const da = a.doc(DOC);
  const db = b.doc(DOC);
  return (
    Y.encodeStateVector(da).toString() === Y.encodeStateVector(db).toString() &&
    JSON.stringify(da.getMap('tokens').toJSON()) === JSON.stringify(db.getMap('tokens').toJSON())
  );
}

describe('drift detection', () => {
  it('repairs a missed inbound update: OUT_OF_SYNC → RESYNCING → SYNCED', async () => {
    const [a, b] = await pair();
    const watch = watchDrift(a);
    const swallow = swallowNextInboundUpdate(a);
    b.doc(DOC).getMap('tokens').set('ghost', { x: 5 });
    await waitFor(() => swallow.swallowed(), 'update swallowed');
    expect(a.doc(DOC).getMap('tokens').has('ghost')).toBe(false);

    await waitFor(() => a.doc(DOC).getMap('tokens').has('ghost'), 'a repaired');
    await waitFor(() => a.syncState.get() === SyncState.SYNCED, 'a synced');
    expect(watch.drifts).toEqual(['missing-inbound']);
    expect(watch.transitions).toEqual(REPAIR);
    expect(a.driftCount.get()).toBe(1);
    expect(a.docDriftCount(DOC).get()).toBe(1);
    expect(sameContent(a, b)).toBe(true);
    expect(b.driftCount.get()).toBe(0);
  });

  it('repairs a missed delete, visible only through the checksum', async () => {
    const [a, b] = await pair();
    const watch = watchDrift(a);
    const swallow = swallowNextInboundUpdate(a);
    b.doc(DOC).getMap('tokens').delete('seed');
    await waitFor(() => swallow.swallowed(), 'delete swallowed');
    // A delete adds no operation: the state vectors agree, the content does not.
    expect(Y.encodeStateVector(a.doc(DOC))).toEqual(Y.encodeStateVector(b.doc(DOC)));
    expect(a.doc(DOC).getMap('tokens').has('seed')).toBe(true);

    await waitFor(() => !a.doc(DOC).getMap('tokens').has('seed'), 'a repaired');
    await waitFor(() => a.syncState.get() === SyncState.SYNCED, 'a synced');
    expect(watch.drifts).toEqual(['checksum-mismatch']);
    expect(watch.transitions).toEqual(REPAIR);
    expect(a.driftCount.get()).toBe(1);
  });

  it('repairs a lost outbound update (applied with the server\'s origin, so never sent)', async () => {
    const [a, b] = await pair();
    await a.whenSaved();
    const watch = watchDrift(a);
    const doc = a.doc(DOC);
    doc.transact(() => doc.getMap('tokens').set('lost', { x: 7 }), a.channel(DOC).remoteOrigin);
    expect(a.pendingChanges.get()).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(b.doc(DOC).getMap('tokens').has('lost')).toBe(false);

    await waitFor(() => b.doc(DOC).getMap('tokens').has('lost'), 'b receives the repaired update');
    await waitFor(() => a.syncState.get() === SyncState.SYNCED, 'a synced');
    await a.whenSaved();
    expect(watch.drifts).toEqual(['missing-outbound']);
    expect(watch.transitions).toEqual(REPAIR);
    expect(a.driftCount.get()).toBe(1);
    expect(sameContent(a, b)).toBe(true);
  });

  it('reconnects for a fresh sync when a resync is never answered', async () => {
    const [slow, other] = await clientsOfNewSession({ resyncTimeoutMs: 150 });
    clients.push(slow, other);
    await Promise.all([slow.whenSynced(), other.whenSynced()]);
    const watch = watchDrift(slow);
    // Drop one update, then the server's answer to the resync that follows.
    const toDrop = ['sync-update', 'sync-step2'];
    slow.channel(DOC).intercept(MessageType.Sync, (frame, deliver) => {
      if (toDrop[0] === decodeMessage(frame).type) toDrop.shift();
      else deliver();
    });
    other.doc(DOC).getMap('tokens').set('late', 1);
    await waitFor(() => slow.doc(DOC).getMap('tokens').has('late'), 'slow repaired');
    await slow.whenSynced();
    expect(toDrop).toEqual([]);
    expect(watch.drifts).toEqual(['missing-inbound']);
    expect(watch.transitions).toEqual([
      ...REPAIR.slice(0, 2),
      `${SyncState.RESYNCING}->${SyncState.OFFLINE}`,
      `${SyncState.OFFLINE}->${SyncState.CONNECTING}`,
      `${SyncState.CONNECTING}->${SyncState.SYNCING}`,
      `${SyncState.SYNCING}->${SyncState.SYNCED}`,
    ]);
  });

  it('reports nothing while both sides agree, edits flowing or not', async () => {
    const [a, b] = await pair();
    for (let i = 0; i < 20; i++) {
      a.doc(DOC).getMap('tokens').set(`a${i}`, i);
      b.doc(DOC).getMap('tokens').delete(`a${i - 1}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 300));
    await waitFor(() => sameContent(a, b), 'converged');
    expect(a.driftCount.get() + b.driftCount.get()).toBe(0);
  });
});
