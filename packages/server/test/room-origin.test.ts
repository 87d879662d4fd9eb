/**
 * What a room does with a change, by its origin ([OR1], [OR2] in
 * docs/architecture.md): a real server on LevelDB with real sockets, whose
 * bus shares an in-process hub with a second bus standing for a peer
 * process. The peer publishes and listens like another server would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { InProcessBus, InProcessHub } from '../src/bus/in-process-bus.ts';
import type { BusMessage } from '../src/bus/room-bus.ts';
import { roomChannel } from '../src/bus/room-bus.ts';
import { type RunningServer, connectProvider, startServer, synced, waitFor } from './helpers.ts';
import { withAppendCounts } from './faulty-store.ts';
import { chat, openIntentClient } from './intent-client.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface WithPeer {
  readonly running: RunningServer;
  /** The other process's end of the bus. */
  readonly peer: InProcessBus;
  /** What the peer heard on `room`, with who published it. */
  heard(room: string): Array<{ message: BusMessage; from: string }>;
  /** Rows appended to the store for `room`, counted at the store. */
  appended(room: string): number;
}

/** How long the room under test waits for the peer's `saved` before storing a peer update itself ([OR3]). */
const ADOPT_AFTER_MS = 300;

async function serverWithPeer(): Promise<WithPeer> {
  const hub = new InProcessHub();
  let counted: ReturnType<typeof withAppendCounts> | undefined;
  const running = await startServer({
    adoptPeerWritesAfterMs: ADOPT_AFTER_MS,
    bus: new InProcessBus({ hub, process: 'this' }),
    wrapStore: (store) => (counted = withAppendCounts(store)),
  });
  cleanups.push(() => running.dispose());
  const peer = new InProcessBus({ hub, process: 'peer' });
  cleanups.push(() => peer.close());
  return {
    running,
    peer,
    heard(room) {
      const heard: Array<{ message: BusMessage; from: string }> = [];
      peer.subscribe(roomChannel(room), (message, from) => {
        heard.push({ message, from });
      });
      return heard;
    },
    appended: (room) => counted!.appended(room),
  };
}

/** Rows of `room` in the store as a fresh load sees them, applied to a new doc. */
async function storedDoc(running: RunningServer, room: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const row of (await running.store.loadDoc(room)).rows) Y.applyUpdate(doc, row.data);
  return doc;
}

describe('room origins', () => {
  it('[OR2][MP1] a peer process\'s update is applied and reaches the local sockets, and is never stored again', async () => {
    const { running, peer, appended } = await serverWithPeer();
    const room = 'open/peer-update';
    const local = connectProvider(running.wsUrl, room, new Y.Doc(), { sidecar: true });
    cleanups.push(() => local.destroy());
    await synced(local);
    const before = appended(room);

    // The peer process stores this update and says so; it arrives here over the bus only.
    const elsewhere = new Y.Doc();
    elsewhere.getMap('scene').set('from', 'peer');
    const ticket = { writer: 1, seq: 1 };
    await peer.publish({ kind: 'doc-update', room, update: Y.encodeStateAsUpdate(elsewhere), ticket });
    await waitFor(() => local.doc.getMap('scene').get('from') === 'peer', 5_000, 'the peer update at the local socket');
    await peer.publish({ kind: 'saved', room, stateVector: Y.encodeStateVector(elsewhere), deleteSet: new Uint8Array([0]), through: ticket });
    // Well past the wait for the peer's word ([OR3]): said stored, it is not adopted.
    await new Promise((resolve) => setTimeout(resolve, ADOPT_AFTER_MS * 3));

    // A member's own edit afterwards is stored: the room writes, just not what a peer wrote.
    local.doc.getMap('scene').set('mine', 'member');
    // Its own edits are what a client waits to see saved; the peer's are its process's to announce.
    const own = local.doc.clientID;
    await waitFor(() => (local.saved.get(own) ?? 0) >= Y.getState(local.doc.store, own), 5_000, 'the member edit saved');
    await running.server.close();
    expect(appended(room) - before).toBe(1);
    const stored = await storedDoc(running, room);
    expect(stored.getMap('scene').toJSON()).toEqual({ mine: 'member' });
    expect(stored.store.clients.has(elsewhere.clientID)).toBe(false);
  });

  it('[OR1][OR2][MP1] a member\'s update and a server write (an intent\'s effects) are stored here and published to the peer as this process\'s', async () => {
    const { running, heard, appended } = await serverWithPeer();
    const table = 'sessions/s1/table';
    const onBus = heard(table);
    const writer = connectProvider(running.wsUrl, table, new Y.Doc(), { user: 'gm' });
    cleanups.push(() => writer.destroy());
    await synced(writer);

    writer.doc.getMap('tokens').set('t1', { x: 1, y: 2, owner: 'gm' });
    // Stored, then `saved` published: for the processes whose sockets wait for it, whether or not any socket here does.
    await waitFor(() => onBus.some((h) => h.message.kind === 'saved'), 5_000, 'saved on the bus');
    expect(appended(table)).toBeGreaterThan(0);
    const fromMember = onBus.filter((h) => h.message.kind === 'doc-update');
    expect(fromMember.length).toBeGreaterThan(0);
    expect(fromMember.every((h) => h.from === 'this')).toBe(true);

    const rowsBefore = appended(table);
    const updatesBefore = onBus.filter((h) => h.message.kind === 'doc-update').length;
    const gm = await openIntentClient(running.wsUrl, 's1', 'gm');
    cleanups.push(() => gm.close());
    const [ack] = await gm.request(chat('from the sequencer'));
    expect(ack).toMatchObject({ success: true, sequence: 1 });
    await waitFor(() => writer.doc.getArray('chat').length === 1, 5_000, 'effects at the member');
    await waitFor(() => appended(table) > rowsBefore, 5_000, 'effects stored');
    const effects = onBus.filter((h) => h.message.kind === 'doc-update').slice(updatesBefore);
    expect(effects).toHaveLength(1);
    const peerDoc = new Y.Doc();
    for (const h of onBus) if (h.message.kind === 'doc-update') Y.applyUpdate(peerDoc, h.message.update);
    expect(peerDoc.getArray('chat').toJSON()).toMatchObject([{ text: 'from the sequencer' }]);
    expect(peerDoc.getMap('meta').get('sequence')).toBe(1);
  });

  it('[OR1][MP1] presence: a peer\'s awareness reaches local sockets; a member\'s is published, and its removal when it leaves', async () => {
    const { running, peer, heard } = await serverWithPeer();
    const room = 'open/presence';
    const onBus = heard(room);
    const local = connectProvider(running.wsUrl, room, new Y.Doc());
    cleanups.push(() => local.destroy());
    await synced(local);

    const elsewhere = new awarenessProtocol.Awareness(new Y.Doc());
    elsewhere.setLocalState({ cursor: 'peer' });
    await peer.publish({ kind: 'awareness', room, update: awarenessProtocol.encodeAwarenessUpdate(elsewhere, [elsewhere.clientID]) });
    await waitFor(() => local.awareness.getStates().get(elsewhere.clientID)?.cursor === 'peer', 5_000, 'peer presence at the local socket');

    local.awareness.setLocalState({ cursor: 'member' });
    const published = () => onBus.filter((h) => h.message.kind === 'awareness' && h.from === 'this');
    /** Presence as a peer process that applied everything this one published sees it. */
    const seenByPeer = () => {
      const seen = new awarenessProtocol.Awareness(new Y.Doc());
      for (const h of published()) if (h.message.kind === 'awareness') awarenessProtocol.applyAwarenessUpdate(seen, h.message.update, null);
      const states = new Map(seen.getStates());
      seen.destroy();
      return states;
    };
    await waitFor(() => seenByPeer().get(local.awareness.clientID)?.cursor === 'member', 5_000, 'member presence published');

    // The server removes a departed member's presence, and tells the other processes.
    local.destroy();
    await waitFor(() => !seenByPeer().has(local.awareness.clientID), 5_000, 'removal published');
    elsewhere.destroy();
  });

  it('[OR3] a peer update its process never says it stored is stored here after the wait, and announced in saved to the member who made it', async () => {
    const { running, peer, appended } = await serverWithPeer();
    const room = 'open/orphan';
    const watcher = connectProvider(running.wsUrl, room, new Y.Doc());
    cleanups.push(() => watcher.destroy());
    await synced(watcher);
    // A member edited through the peer process, which published the edit and died before its store write landed.
    const doc = new Y.Doc();
    doc.getMap('scene').set('moved', 'through the peer');
    const before = appended(room);
    await peer.publish({ kind: 'doc-update', room, update: Y.encodeStateAsUpdate(doc), ticket: { writer: 4, seq: 1 } });
    await waitFor(() => watcher.doc.getMap('scene').get('moved') !== undefined, 5_000, 'the peer update at the room');

    // The member reconnects here: the room already has the edit, so its sync step 2 carries nothing to store.
    const member = connectProvider(running.wsUrl, room, doc, { sidecar: true });
    cleanups.push(() => member.destroy());
    await synced(member);
    const own = doc.clientID;
    const savedOwn = () => (member.saved.get(own) ?? 0) >= Y.getState(doc.store, own);
    expect(savedOwn()).toBe(false);
    await waitFor(savedOwn, 5_000, 'the orphaned edit announced saved');
    expect(appended(room) - before).toBe(1);
    await running.server.close();
    expect((await storedDoc(running, room)).getMap('scene').toJSON()).toEqual({ moved: 'through the peer' });
  });

  it('[OR3] a peer update is stored here only if its own writer\'s saved never covers it: later tickets, other writers and replays count right', async () => {
    const { running, peer, appended } = await serverWithPeer();
    const room = 'open/tickets';
    const local = connectProvider(running.wsUrl, room, new Y.Doc());
    cleanups.push(() => local.destroy());
    await synced(local);
    const before = appended(room);
    const edit = (key: string) => {
      const d = new Y.Doc();
      d.getMap('scene').set(key, key);
      return Y.encodeStateAsUpdate(d);
    };
    const saved = (writer: number, seq: number) =>
      peer.publish({ kind: 'saved', room, stateVector: new Uint8Array([0]), deleteSet: new Uint8Array([0]), through: { writer, seq } });
    // Writer 1 saves through 2, covering 1 and 2 but not 3; its replayed ticket 2 is the same write.
    await peer.publish({ kind: 'doc-update', room, update: edit('a'), ticket: { writer: 1, seq: 1 } });
    await peer.publish({ kind: 'doc-update', room, update: edit('b'), ticket: { writer: 1, seq: 2 } });
    await peer.publish({ kind: 'doc-update', room, update: edit('b'), ticket: { writer: 1, seq: 2 } });
    await peer.publish({ kind: 'doc-update', room, update: edit('c'), ticket: { writer: 1, seq: 3 } });
    // Writer 2 (the room loaded again on the peer) numbers from 1 again; writer 1's saved says nothing of it.
    await peer.publish({ kind: 'doc-update', room, update: edit('d'), ticket: { writer: 2, seq: 1 } });
    await saved(1, 2);
    await waitFor(() => local.doc.getMap('scene').size === 4, 5_000, 'the peer updates at the local socket');
    await waitFor(() => appended(room) - before >= 2, 5_000, 'the unconfirmed ones stored here');
    await new Promise((resolve) => setTimeout(resolve, ADOPT_AFTER_MS * 2));
    expect(appended(room) - before).toBe(2);
    await running.server.close();
    expect(Object.keys((await storedDoc(running, room)).getMap('scene').toJSON()).sort()).toEqual(['c', 'd']);
  });
});
