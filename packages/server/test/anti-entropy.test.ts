/**
 * Copies of a room on several processes that a lost bus message set apart
 * come together again while the room stays loaded ([OR4] in
 * docs/architecture.md), and changes no write is known to have stored get
 * stored ([OR5]). Real servers and sockets, stock y-websocket clients; the
 * bus between them loses or delays what one process hears (test/lossy-bus.ts).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { allSaved, connectProvider, synced, waitFor } from './helpers.ts';
import { type Losses, LossyBus } from './lossy-bus.ts';
import { type Process, cleanups, startProcesses } from './processes.ts';

const ROUND_MS = 200;

function provider(p: Process, room: string, user: string, sidecar = false) {
  const c = connectProvider(p.wsUrl, room, new Y.Doc(), { user, sidecar });
  cleanups.push(() => c.destroy());
  return c;
}

/** Two processes, B hearing through a LossyBus with `losses`, and a socket on each in `room`, synced ([MP1]). */
async function roomOnTwo(room: string, losses: Losses, options: { adoptPeerWritesAfterMs?: number; sidecarA?: boolean } = {}) {
  let lossy: LossyBus | null = null;
  const [a, b] = await startProcesses(2, {
    bus: (bus, i) => (i === 1 ? (lossy = new LossyBus(bus, losses)) : bus),
    options: () => ({ antiEntropyMs: ROUND_MS, ...(options.adoptPeerWritesAfterMs === undefined ? {} : { adoptPeerWritesAfterMs: options.adoptPeerWritesAfterMs }) }),
  });
  const onA = provider(a!, room, 'alice', options.sidecarA ?? false);
  const onB = provider(b!, room, 'bob');
  await Promise.all([synced(onA), synced(onB)]);
  return { a: a!, b: b!, lossy: lossy!, onA, onB };
}

async function storedDoc(p: Process, room: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const row of (await p.store.loadDoc(room)).rows) Y.applyUpdate(doc, row.data);
  return doc;
}

describe('anti-entropy between processes', () => {
  it('[OR4] an update one process never heard reaches it, and its sockets, within a few rounds: the process holding it sends it again', async () => {
    const { lossy, onA, onB } = await roomOnTwo('open/anti-entropy', {});
    lossy.dropNext('doc-update');
    onA.doc.getMap('scene').set('lost', 1);
    await waitFor(() => lossy.dropped.get('doc-update') === 1, 2_000, 'the update dropped at B');
    // Nothing else happens in the room: only the digests can tell B what it lacks.
    await waitFor(() => onB.doc.getMap('scene').get('lost') === 1, 20 * ROUND_MS, 'the lost update at B\'s socket');
    expect(Y.encodeStateVector(onB.doc)).toEqual(Y.encodeStateVector(onA.doc));
  });

  it('[OR4] a lost deletion, which no state vector shows, is made up through the checksums', async () => {
    const { lossy, onA, onB } = await roomOnTwo('open/anti-entropy-deletes', {});
    onA.doc.getArray('chat').push(['a line to take back']);
    await waitFor(() => onB.doc.getArray('chat').length === 1, 2_000, 'the line at B');
    const vectorBefore = Y.encodeStateVector(onA.doc);

    lossy.dropNext('doc-update');
    onA.doc.getArray('chat').delete(0, 1);
    // A deletion alone moves no clock.
    expect(Y.encodeStateVector(onA.doc)).toEqual(vectorBefore);
    await waitFor(() => lossy.dropped.get('doc-update') === 1, 2_000, 'the deletion dropped at B');
    await waitFor(() => onB.doc.getArray('chat').length === 0, 20 * ROUND_MS, 'the deletion at B\'s socket');
  });

  it('[OR4] updates merely in flight are never sent again: under steady edits with every delivery late, the idle process stores nothing', async () => {
    // Every message reaches B half a round late: B's digests always trail A's state.
    const room = 'open/anti-entropy-in-flight';
    const { a, b, onA, onB } = await roomOnTwo(room, { delayMs: ROUND_MS / 2 });
    const before = [a.appended(room), b.appended(room)];
    const scene = onA.doc.getMap<number>('scene');
    for (let i = 0; i < 60; i++) {
      scene.set('token', i);
      await new Promise((resolve) => setTimeout(resolve, ROUND_MS / 10));
    }
    await waitFor(() => onB.doc.getMap('scene').get('token') === 59, 5_000, 'the last move at B');
    // Several rounds more, with the room quiet.
    await new Promise((resolve) => setTimeout(resolve, 6 * ROUND_MS));
    // One row per move, all A's: no update was sent again by either side (the sender stores what it sends).
    expect([a.appended(room) - before[0]!, b.appended(room) - before[1]!]).toEqual([60, 0]);
  });

  it('[OR5] a change the process that took it could not store, and no process adopted, is stored by a process holding it: its maker is told it is saved', async () => {
    // [OR3]'s adoption is out of the way: only the store repair can save the change.
    const room = 'open/unstored';
    const { a, b, onA, onB } = await roomOnTwo(room, {}, { adoptPeerWritesAfterMs: 3_600_000, sidecarA: true });
    onA.doc.getMap('scene').set('before', 1);
    await waitFor(() => allSaved(onA), 2_000, 'the first edit saved');

    a.appendsFail = true;
    onA.doc.getMap('scene').set('unstored', 2);
    await waitFor(() => onB.doc.getMap('scene').get('unstored') === 2, 2_000, 'the edit at B');
    expect(allSaved(onA)).toBe(false);
    // B stores it two rounds on, and A's socket hears B's `saved` through A.
    await waitFor(() => allSaved(onA), 20 * ROUND_MS, 'the edit saved by B');
    expect(b.appended(room)).toBeGreaterThan(0);
    expect((await storedDoc(b, room)).getMap('scene').toJSON()).toEqual({ before: 1, unstored: 2 });
    a.appendsFail = false;
  });

  it('[OR5] with the store out of reach for every process, each queues at most one copy: the writes being retried hold every change', async () => {
    const room = 'open/store-down';
    const { a, b, onA } = await roomOnTwo(room, {}, { sidecarA: true });
    a.appendsFail = true;
    b.appendsFail = true;
    onA.doc.getMap('scene').set('waiting', 1);
    await new Promise((resolve) => setTimeout(resolve, 10 * ROUND_MS));
    expect(allSaved(onA)).toBe(false);
    a.appendsFail = false;
    b.appendsFail = false;
    await waitFor(() => allSaved(onA), 5_000, 'saved once the store answers');
    // A's own write lands at its next retry (backing off meanwhile), and B's one copy at most: B cannot tell a slow peer from a dead one.
    await waitFor(() => a.appended(room) === 1, 10_000, 'A\'s retried write');
    await new Promise((resolve) => setTimeout(resolve, 4 * ROUND_MS));
    expect(a.appended(room)).toBe(1);
    expect(b.appended(room)).toBeLessThanOrEqual(1);
  });
});
