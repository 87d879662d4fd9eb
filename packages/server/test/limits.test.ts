import { CloseCode, encodeMessage, encodeRoomEnvelope, type ProtocolMessage } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectProvider, type RunningServer, startServer, synced, waitFor } from './helpers.ts';
import { legitPair } from './legit-pair.ts';
import { closeCodeOf, healthStatus, openRaw, type RawClient } from './raw-client.ts';

let running: RunningServer | undefined;
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await running?.dispose();
  running = undefined;
});

/** A valid sync-update frame of exactly `bytes` bytes (the text length is tuned until the frame fits). */
function updateFrameOfSize(bytes: number): { frame: Uint8Array; text: string } {
  for (let length = bytes; length > 0; length--) {
    const doc = new Y.Doc();
    // One client id for every try: a fresh random id per try changes the frame by up to 4 bytes
    // (its varint length), so the search could step over the exact size (about 1 run in 16).
    doc.clientID = 0x9e37_79b9;
    const text = 'z'.repeat(length);
    doc.getText('big').insert(0, text);
    const frame = encodeMessage({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) });
    if (frame.byteLength === bytes) return { frame, text };
  }
  throw new Error(`no update frame of ${bytes} bytes`);
}

const step1 = (): Uint8Array => encodeMessage({ type: 'sync-step1', stateVector: new Uint8Array([0]) });
const join = (room: string): Uint8Array => encodeRoomEnvelope(room, step1());

/** Rooms this socket has received an enveloped sync step 1 for, i.e. rooms the server let it join. */
function joinedRooms(raw: RawClient): Set<string> {
  const rooms = new Set<string>();
  for (const m of raw.messages()) if (m.type === 'room' && m.message.type === 'sync-step1') rooms.add(m.room);
  return rooms;
}

describe('limits', () => {
  it('[P10] a message of exactly maxMessageBytes is applied; one byte more closes with MessageTooBig', async () => {
    const max = 64 * 1024;
    running = await startServer({ maxMessageBytes: max, checksumIntervalMs: 0 });
    const pair = await legitPair(running.wsUrl, 'limits/size');
    cleanups.push(() => pair.destroy());
    const { frame, text } = updateFrameOfSize(max);
    const raw = await openRaw(running.wsUrl, 'limits/size');
    raw.send(frame);
    await waitFor(() => pair.a.doc.getText('big').toString() === text, 10_000, 'max-size update at a stock client');
    expect(raw.closeCode()).toBeNull();

    const over = new Uint8Array(max + 1);
    over.set(frame);
    raw.send(over);
    expect(await closeCodeOf(raw)).toBe(CloseCode.MessageTooBig);
    await pair.roundTrip('after-oversize');
    expect(pair.disconnects()).toBe(0);
  });

  it('[P11] a socket holds at most maxRoomsPerConnection rooms, room-leave frees a slot, one more closes with RoomLimit', async () => {
    running = await startServer({ maxRoomsPerConnection: 4, checksumIntervalMs: 0 });
    const bystander = connectProvider(running.wsUrl, 'limits/r1');
    cleanups.push(() => bystander.destroy());
    await synced(bystander);
    const raw = await openRaw(running.wsUrl, 'limits/home', { sidecar: true });
    // URL room + 3 envelope rooms = 4.
    for (const room of ['limits/r1', 'limits/r2', 'limits/r3']) raw.send(join(room));
    await waitFor(() => joinedRooms(raw).size === 3, 10_000, 'three envelope rooms joined');
    raw.send(encodeMessage({ type: 'room-leave', room: 'limits/r3' }));
    raw.send(join('limits/r3b'));
    await waitFor(() => joinedRooms(raw).has('limits/r3b'), 10_000, 'a room joined in the freed slot');
    // Still a member of r1: a stock client's edit arrives in an envelope.
    bystander.doc.getMap('m').set('k', 'v');
    await waitFor(
      () => raw.messages().some((m) => m.type === 'room' && m.room === 'limits/r1' && m.message.type === 'sync-update'),
      10_000,
      'update from r1',
    );
    expect(raw.closeCode()).toBeNull();

    raw.send(join('limits/r4'));
    expect(await closeCodeOf(raw)).toBe(CloseCode.RoomLimit);
    expect(joinedRooms(raw).has('limits/r4')).toBe(false);
    // The bystander in a room the abusive socket had joined is unaffected.
    bystander.doc.getMap('m').set('k2', 'v2');
    const late = connectProvider(running.wsUrl, 'limits/r1');
    cleanups.push(() => late.destroy());
    await synced(late);
    await waitFor(() => late.doc.getMap('m').get('k2') === 'v2', 5_000, 'bystander edit after the limit');
    expect(bystander.wsconnected).toBe(true);
  });

  it('[P12] a client that stops reading is closed with SlowConsumer; a normal client in the room receives everything', async () => {
    const maxBufferedBytes = 64 * 1024;
    // A long close grace keeps the server's close frame queued until the paused client reads again.
    running = await startServer({ maxBufferedBytes, closeGraceMs: 20_000, checksumIntervalMs: 0 });
    const srv = running.server;
    const writer = connectProvider(running.wsUrl, 'limits/slow');
    const reader = connectProvider(running.wsUrl, 'limits/slow');
    cleanups.push(() => writer.destroy(), () => reader.destroy());
    await Promise.all([synced(writer), synced(reader)]);
    const slow = await openRaw(running.wsUrl, 'limits/slow');
    expect(srv.metrics().connections).toBe(3);
    slow.pauseReading();

    // Broadcast until the server drops the slow socket. The kernel's socket buffers absorb
    // a few MiB first; only after that does the server's own queue grow past the limit.
    const chunk = 'm'.repeat(16 * 1024);
    const text = writer.doc.getText('map-notes');
    let sent = 0;
    while (srv.metrics().connections > 2 && sent < 64 * 1024 * 1024) {
      text.insert(text.length, chunk);
      sent += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    expect(srv.metrics().connections).toBe(2);
    // The room keeps broadcasting after the drop; none of this may be queued for the slow socket.
    for (let i = 0; i < 64; i++) {
      text.insert(text.length, chunk);
      sent += chunk.length;
    }
    await waitFor(() => reader.doc.getText('map-notes').length === sent, 20_000, 'reader has every edit');
    expect(reader.doc.getText('map-notes').toString()).toBe(text.toString());

    slow.resumeReading();
    expect(await closeCodeOf(slow)).toBe(CloseCode.SlowConsumer);
    const mirror = new Y.Doc();
    for (const m of slow.messages()) applyIfUpdate(mirror, m);
    const received = mirror.getText('map-notes').length;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(sent - 64 * chunk.length + 1);
    expect(reader.wsconnected && writer.wsconnected).toBe(true);
    expect(await healthStatus(running.url)).toBe(200);
  });
});

function applyIfUpdate(doc: Y.Doc, m: ProtocolMessage): void {
  if (m.type === 'sync-update' || m.type === 'sync-step2') Y.applyUpdate(doc, m.update);
}
