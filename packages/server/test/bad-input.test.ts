import {
  ALL_FEATURES,
  CloseCode,
  ProtocolDecodeError,
  decodeMessage,
  encodeMessage,
  encodeRoomEnvelope,
} from '@dungeon-lab/protocol';
import * as encoding from 'lib0/encoding';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type RunningServer, startServer, waitFor } from './helpers.ts';
import { type LegitPair, legitPair } from './legit-pair.ts';
import { closeCodeOf, healthStatus, openRaw } from './raw-client.ts';

const MAX_MESSAGE_BYTES = 64 * 1024;

/** Deterministic bytes, so a failure replays identically. */
function seededBytes(seed: number, length: number): Uint8Array {
  let s = seed >>> 0;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

function realUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, 'the party enters the crypt; the lich wakes up');
  doc.getMap('tokens').set('lich', { x: 4, y: 9, hp: 120 });
  return Y.encodeStateAsUpdate(doc);
}

/** A sync frame with an arbitrary payload, built by hand so the payload can be anything. */
function syncFrame(step: number, payload: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 0);
  encoding.writeVarUint(enc, step);
  encoding.writeVarUint8Array(enc, payload);
  return encoding.toUint8Array(enc);
}

/**
 * V1 updates with a clock range ending past 2^53 (Number.MAX_SAFE_INTEGER): a
 * delete range of a client the room has never seen, and a GC struct.
 */
function overflowingUpdates(): { deletes: Uint8Array; struct: Uint8Array } {
  const deletes = encoding.createEncoder();
  encoding.writeVarUint(deletes, 0); // no structs
  encoding.writeVarUint(deletes, 1); // delete set: one client
  encoding.writeVarUint(deletes, 3_885_345_548);
  encoding.writeVarUint(deletes, 2);
  encoding.writeVarUint(deletes, 28);
  encoding.writeVarUint(deletes, Number.MAX_SAFE_INTEGER);
  encoding.writeVarUint(deletes, 35);
  encoding.writeVarUint(deletes, 1);
  const struct = encoding.createEncoder();
  encoding.writeVarUint(struct, 1); // one client
  encoding.writeVarUint(struct, 1); // one struct
  encoding.writeVarUint(struct, 77);
  encoding.writeVarUint(struct, 5); // first clock
  encoding.writeUint8(struct, 0); // GC struct
  encoding.writeVarUint(struct, Number.MAX_SAFE_INTEGER);
  encoding.writeVarUint(struct, 0); // empty delete set
  return { deletes: encoding.toUint8Array(deletes), struct: encoding.toUint8Array(struct) };
}

const update = realUpdate();
const overflowing = overflowingUpdates();
const updateFrame = encodeMessage({ type: 'sync-update', update });
const awarenessFrame = encodeMessage({ type: 'awareness', update: seededBytes(7, 3) });
const randomBytes = seededBytes(1, 200);
const garbageUpdate = seededBytes(3, 64);
const truncatedUpdate = update.slice(0, Math.floor(update.byteLength / 2));

interface AbuseCase {
  readonly title: string;
  readonly code: CloseCode;
  /** One entry per abusive socket, each opened after the previous one was closed: the frames it sends. */
  readonly sockets: ReadonlyArray<ReadonlyArray<Uint8Array | string>>;
  readonly sidecar?: boolean | number;
  /** Checks that the frames really are what the title says (so the expected code is earned). */
  readonly precondition?: () => void;
}

const isUndecodable = (frame: Uint8Array) => expect(() => decodeMessage(frame)).toThrow(ProtocolDecodeError);

const cases: AbuseCase[] = [
  {
    title: '[P1] random bytes close with ProtocolError',
    code: CloseCode.ProtocolError,
    sockets: [[randomBytes], [seededBytes(2, 1)], [new Uint8Array(0)]],
    precondition: () => {
      isUndecodable(randomBytes);
      isUndecodable(seededBytes(2, 1));
    },
  },
  {
    title: '[P1] truncated valid frames close with ProtocolError',
    code: CloseCode.ProtocolError,
    sockets: [
      [updateFrame.slice(0, updateFrame.byteLength - 1)],
      [updateFrame.slice(0, 3)],
      [awarenessFrame.slice(0, 2)],
      [encodeMessage({ type: 'hello', version: 1, features: ALL_FEATURES }).slice(0, 2)],
    ],
    precondition: () => {
      isUndecodable(updateFrame.slice(0, updateFrame.byteLength - 1));
      isUndecodable(updateFrame.slice(0, 3));
    },
  },
  {
    title: '[P1] an unknown message type (or sync step) closes with ProtocolError',
    code: CloseCode.ProtocolError,
    sockets: [[new Uint8Array([99])], [new Uint8Array([20, 0])], [new Uint8Array([0, 7, 0])]],
  },
  {
    title: '[P1] a text frame closes with UnsupportedData',
    code: CloseCode.UnsupportedData,
    sockets: [['{"type":"sync"}']],
  },
  {
    title: '[P13] an update that is not a valid Yjs update closes with CorruptUpdate',
    code: CloseCode.CorruptUpdate,
    sockets: [[syncFrame(2, truncatedUpdate)], [syncFrame(1, truncatedUpdate)]],
    precondition: () => {
      expect(decodeMessage(syncFrame(2, truncatedUpdate)).type).toBe('sync-update');
      expect(() => Y.decodeUpdate(truncatedUpdate)).toThrow();
    },
  },
  {
    title: '[P13] a well-formed sync frame with a garbage update payload closes with CorruptUpdate',
    code: CloseCode.CorruptUpdate,
    sockets: [[syncFrame(2, garbageUpdate)]],
    precondition: () => {
      expect(decodeMessage(syncFrame(2, garbageUpdate)).type).toBe('sync-update');
      expect(() => Y.decodeUpdate(garbageUpdate)).toThrow();
    },
  },
  {
    title: '[P13] an update with a clock range past 2^53 closes with CorruptUpdate instead of poisoning the room for every writer',
    code: CloseCode.CorruptUpdate,
    sockets: [[syncFrame(2, overflowing.deletes)], [syncFrame(2, overflowing.struct)]],
    precondition: () => {
      // Yjs itself decodes both without complaint.
      expect(Y.decodeUpdate(overflowing.deletes).ds.clients.size).toBe(1);
      expect(Y.decodeUpdate(overflowing.struct).structs).toHaveLength(1);
    },
  },
  {
    title: '[P13] a malformed awareness update closes with ProtocolError',
    code: CloseCode.ProtocolError,
    sockets: [[awarenessFrame]],
  },
  {
    title: '[P13] server-to-client messages sent by a client close with ProtocolError',
    code: CloseCode.ProtocolError,
    sockets: [
      [encodeMessage({ type: 'saved', stateVector: new Uint8Array([0]), deleteSet: new Uint8Array([0]) })],
      [encodeMessage({ type: 'checksum', stateVector: new Uint8Array([0]), checksum: 'x' })],
      [encodeMessage({ type: 'error', reason: 'conflict', detail: 'x' })],
      [encodeMessage({ type: 'auth-denied', reason: 'x' })],
      [encodeMessage({ type: 'intent-ack', acks: [] })],
      [encodeMessage({ type: 'event-applied', entries: [] })],
      [encodeMessage({ type: 'catch-up-response', entries: [], latest: 0, skipped: false })],
    ],
  },
  {
    title: '[P14] a room envelope without the multiplex feature closes with ProtocolError',
    code: CloseCode.ProtocolError,
    sockets: [[encodeRoomEnvelope('elsewhere', encodeMessage({ type: 'query-awareness' }))]],
  },
  {
    title: '[P10] a message over maxMessageBytes closes with MessageTooBig, even when it is a valid update',
    code: CloseCode.MessageTooBig,
    sockets: [[bigUpdateFrame()], [new Uint8Array(MAX_MESSAGE_BYTES + 1)]],
    precondition: () => expect(bigUpdateFrame().byteLength).toBeGreaterThan(MAX_MESSAGE_BYTES),
  },
  {
    title: '[P11] 1000 rooms requested on one socket close it with RoomLimit',
    code: CloseCode.RoomLimit,
    sidecar: true,
    sockets: [
      Array.from({ length: 1000 }, (_, i) =>
        encodeRoomEnvelope(`flood/${i}`, encodeMessage({ type: 'sync-step1', stateVector: new Uint8Array([0]) })),
      ),
    ],
  },
  {
    title: '[P3] another protocol version in the URL (dl=999) closes with UnsupportedVersion',
    code: CloseCode.UnsupportedVersion,
    sidecar: 999,
    sockets: [[]],
  },
  {
    title: '[P3] a hello with another protocol version closes with UnsupportedVersion',
    code: CloseCode.UnsupportedVersion,
    sockets: [[encodeMessage({ type: 'hello', version: 999, features: ALL_FEATURES })]],
  },
];

function bigUpdateFrame(): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, 'x'.repeat(MAX_MESSAGE_BYTES + 100));
  return encodeMessage({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) });
}

let running: RunningServer;
let pair: LegitPair | undefined;

beforeAll(async () => {
  running = await startServer({ maxMessageBytes: MAX_MESSAGE_BYTES, checksumIntervalMs: 0 });
});
afterEach(() => {
  pair?.destroy();
  pair = undefined;
});
afterAll(async () => {
  await running.dispose();
});

describe('bad input hurts only its sender', () => {
  it.each(cases.map((c, i) => [c.title, c, i] as const))('%s; stock clients in the room keep syncing', async (_t, c, i) => {
    c.precondition?.();
    const room = `bad/${i}/table`;
    pair = await legitPair(running.wsUrl, room);
    await pair.roundTrip('before');
    for (const frames of c.sockets) {
      // The version check happens before the room is joined, so no sync step 1 arrives there.
      const raw = await openRaw(running.wsUrl, room, { sidecar: c.sidecar ?? false, waitForJoin: c.sidecar !== 999 });
      for (const frame of frames) raw.send(frame);
      expect(await closeCodeOf(raw)).toBe(c.code);
    }
    await pair.roundTrip('after');
    expect(pair.disconnects()).toBe(0);
    await waitFor(() => running.server.metrics().connections === 2, 5_000, 'only the two stock clients connected');
    expect(await healthStatus(running.url)).toBe(200);
  });
});
