import { encodeMessage, encodeRoomEnvelope, type ProtocolMessage, type RoomScopedMessage } from '@dungeon-lab/protocol';
import * as awarenessProtocol from 'y-protocols/awareness';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { withFaults } from './faulty-store.ts';
import { connectProvider, type RunningServer, startServer, synced, waitFor } from './helpers.ts';
import { openRaw, type RawClient } from './raw-client.ts';

let running: RunningServer | undefined;
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await running?.dispose();
  running = undefined;
});

function provider(room: string) {
  const p = connectProvider(running!.wsUrl, room);
  cleanups.push(() => p.destroy());
  return p;
}

/** Messages that arrived in envelopes for `room`, unwrapped, in order. */
function inRoom(raw: RawClient, room: string): RoomScopedMessage[] {
  return raw
    .messages()
    .flatMap((m: ProtocolMessage) => (m.type === 'room' && m.room === room ? [m.message] : []));
}

/** Applies every enveloped step 2 and update for `room` to a fresh doc: what this socket knows of the room. */
function docOf(raw: RawClient, room: string): Y.Doc {
  const doc = new Y.Doc();
  for (const m of inRoom(raw, room)) {
    if (m.type === 'sync-step2' || m.type === 'sync-update') Y.applyUpdate(doc, m.update);
  }
  return doc;
}

const envelope = (room: string, msg: RoomScopedMessage): Uint8Array => encodeRoomEnvelope(room, encodeMessage(msg));
const step1 = (room: string, doc = new Y.Doc()): Uint8Array =>
  envelope(room, { type: 'sync-step1', stateVector: Y.encodeStateVector(doc) });

describe('multiplexing', () => {
  it('[P14] a dl=1 socket joins two more rooms by envelope, syncs each into its own doc, gets their updates and awareness; room-leave stops delivery', async () => {
    running = await startServer({ checksumIntervalMs: 0 });
    const two = provider('mx/two');
    const twoWatcher = provider('mx/two');
    const three = provider('mx/three');
    await Promise.all([synced(two), synced(twoWatcher), synced(three)]);
    two.doc.getMap('tokens').set('goblin', { x: 1, y: 1 });
    three.doc.getText('notes').insert(0, 'room three only');

    const raw = await openRaw(running.wsUrl, 'mx/home', { sidecar: true });
    raw.send(step1('mx/two'));
    raw.send(step1('mx/three'));
    await waitFor(
      () => inRoom(raw, 'mx/two').some((m) => m.type === 'sync-step2') && inRoom(raw, 'mx/three').some((m) => m.type === 'sync-step2'),
      10_000,
      'step 2 for both rooms',
    );
    // Join order per room: the server's step 1 and the durable state vector come before anything else.
    expect(inRoom(raw, 'mx/two').slice(0, 2).map((m) => m.type)).toEqual(['sync-step1', 'saved']);
    expect(docOf(raw, 'mx/two').getMap('tokens').toJSON()).toEqual({ goblin: { x: 1, y: 1 } });
    expect(docOf(raw, 'mx/two').getText('notes').toString()).toBe('');
    expect(docOf(raw, 'mx/three').getText('notes').toString()).toBe('room three only');

    // Live updates from stock clients arrive enveloped for the right room.
    two.doc.getMap('tokens').set('orc', { x: 5, y: 5 });
    three.doc.getText('notes').insert(0, '>> ');
    await waitFor(
      () =>
        docOf(raw, 'mx/two').getMap('tokens').has('orc') && docOf(raw, 'mx/three').getText('notes').toString() === '>> room three only',
      10_000,
      'live updates in envelopes',
    );
    // …and awareness too.
    three.awareness.setLocalStateField('cursor', { x: 7 });
    await waitFor(() => inRoom(raw, 'mx/three').some((m) => m.type === 'awareness'), 10_000, 'enveloped awareness');
    const aw = new awarenessProtocol.Awareness(new Y.Doc());
    for (const m of inRoom(raw, 'mx/three')) if (m.type === 'awareness') awarenessProtocol.applyAwarenessUpdate(aw, m.update, null);
    expect(aw.getStates().get(three.doc.clientID)).toMatchObject({ cursor: { x: 7 } });
    // Nothing of the other rooms leaks into the URL room's un-enveloped stream.
    expect(raw.messages().filter((m) => m.type === 'sync-update')).toHaveLength(0);

    // The socket writes into a multiplexed room too.
    const mine = new Y.Doc();
    Y.applyUpdate(mine, Y.encodeStateAsUpdate(docOf(raw, 'mx/two')));
    const before = Y.encodeStateVector(mine);
    mine.getMap('tokens').set('from-mux', { x: 0, y: 0 });
    raw.send(envelope('mx/two', { type: 'sync-update', update: Y.encodeStateAsUpdate(mine, before) }));
    await waitFor(() => two.doc.getMap('tokens').has('from-mux'), 10_000, 'enveloped update at a stock client');

    raw.send(encodeMessage({ type: 'room-leave', room: 'mx/two' }));
    // Make sure the server processed the leave before the next edit: the socket's frames stay in order.
    raw.send(envelope('mx/three', { type: 'query-awareness' }));
    const awarenessAnswers = inRoom(raw, 'mx/three').filter((m) => m.type === 'awareness').length;
    await waitFor(
      () => inRoom(raw, 'mx/three').filter((m) => m.type === 'awareness').length > awarenessAnswers,
      10_000,
      'answer to query-awareness after the leave',
    );
    const twoFramesAtLeave = inRoom(raw, 'mx/two').length;
    two.doc.getMap('tokens').set('after-leave', { x: 9, y: 9 });
    await waitFor(() => twoWatcher.doc.getMap('tokens').has('after-leave'), 10_000, 'edit reached the other stock client');
    // The server broadcast that edit before this one; had the socket still been in mx/two it would be in order before it.
    three.doc.getText('notes').insert(0, '#');
    await waitFor(() => docOf(raw, 'mx/three').getText('notes').toString().startsWith('#'), 10_000, 'later edit in mx/three');
    expect(inRoom(raw, 'mx/two')).toHaveLength(twoFramesAtLeave);
    expect(raw.closeCode()).toBeNull();
  });

  it('[P14] messages for a room that is still loading are queued and processed after its step 1, in order', async () => {
    const loadDelayMs = 400;
    running = await startServer({ checksumIntervalMs: 0, wrapStore: (s) => withFaults(s, { room: 'mx/slow', loadDelayMs }) });
    const raw = await openRaw(running.wsUrl, 'mx/home', { sidecar: true });
    const mine = new Y.Doc();
    mine.getArray<number>('dice').push([1]);
    const first = Y.encodeStateAsUpdate(mine);
    const sv = Y.encodeStateVector(mine);
    mine.getArray<number>('dice').push([2]);
    const second = Y.encodeStateAsUpdate(mine, sv);
    const sentAt = Date.now();
    raw.send(envelope('mx/slow', { type: 'sync-update', update: first }));
    raw.send(envelope('mx/slow', { type: 'sync-update', update: second }));
    raw.send(step1('mx/slow'));
    await waitFor(() => inRoom(raw, 'mx/slow').some((m) => m.type === 'sync-step2'), 10_000, 'step 2 for the queued step 1');
    // The answers could only come after the store answered: the messages waited, they were not dropped.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(loadDelayMs - 50);
    const types = inRoom(raw, 'mx/slow').map((m) => m.type);
    expect(types.slice(0, 2)).toEqual(['sync-step1', 'saved']);
    // Both queued updates were applied (and echoed) before the queued step 1 was answered.
    expect(types.filter((t) => t === 'sync-update')).toHaveLength(2);
    expect(types.indexOf('sync-step2')).toBeGreaterThan(types.lastIndexOf('sync-update'));
    expect(docOf(raw, 'mx/slow').getArray('dice').toJSON()).toEqual([1, 2]);
    const stock = provider('mx/slow');
    await synced(stock);
    expect(stock.doc.getArray('dice').toJSON()).toEqual([1, 2]);
    expect(raw.closeCode()).toBeNull();
  });

  it('[P14] a room whose load fails answers an enveloped room-unavailable error; an invalid name answers invalid-room-name; the socket stays usable', async () => {
    running = await startServer({
      checksumIntervalMs: 0,
      wrapStore: (s) => withFaults(s, { room: 'mx/broken', failLoads: Number.MAX_SAFE_INTEGER }),
    });
    const three = provider('mx/three');
    await synced(three);
    const raw = await openRaw(running.wsUrl, 'mx/home', { sidecar: true });
    raw.send(step1('mx/broken'));
    raw.send(step1('bad\u0000name'));
    await waitFor(
      () => inRoom(raw, 'mx/broken').length > 0 && inRoom(raw, 'bad\u0000name').length > 0,
      10_000,
      'answers for both rooms',
    );
    expect(inRoom(raw, 'mx/broken')).toEqual([{ type: 'error', reason: 'room-unavailable', detail: expect.any(String) }]);
    expect(inRoom(raw, 'bad\u0000name')).toEqual([{ type: 'error', reason: 'invalid-room-name', detail: expect.any(String) }]);

    // The failed join is forgotten, not stuck: asking again asks the store again.
    raw.send(step1('mx/broken'));
    await waitFor(() => inRoom(raw, 'mx/broken').length === 2, 10_000, 'second room-unavailable');
    expect(inRoom(raw, 'mx/broken')[1]).toMatchObject({ type: 'error', reason: 'room-unavailable' });

    raw.send(step1('mx/three'));
    three.doc.getText('notes').insert(0, 'still works');
    await waitFor(() => docOf(raw, 'mx/three').getText('notes').toString() === 'still works', 10_000, 'a healthy room after the failures');
    expect(raw.closeCode()).toBeNull();
  });
});
