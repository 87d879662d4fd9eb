import * as syncProtocol from 'y-protocols/sync';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { REJECT_REASON_CODES, type RejectReason } from './close-codes.ts';
import { ProtocolDecodeError, type ProtocolMessage, decodeMessage, encodeMessage, encodeRoomEnvelope } from './messages.ts';

const bytes = (...b: number[]) => new Uint8Array(b);

const samples: ProtocolMessage[] = [
  { type: 'sync-step1', stateVector: bytes(1, 2, 3) },
  { type: 'sync-step2', update: bytes(0, 0) },
  { type: 'sync-update', update: bytes(9, 8, 7) },
  { type: 'awareness', update: bytes(1, 2) },
  { type: 'auth-denied', reason: 'nope' },
  { type: 'query-awareness' },
  { type: 'hello', version: 1, features: 15 },
  { type: 'saved', stateVector: bytes(1, 5, 10), deleteSet: bytes(0) },
  { type: 'checksum', stateVector: bytes(0), checksum: 'abc=' },
  { type: 'room', room: 'sessions/x/gm', message: { type: 'sync-update', update: bytes(4) } },
  { type: 'room-leave', room: 'r' },
  { type: 'client-id', clientId: 1 },
  { type: 'client-id', clientId: 0xffff_ffff },
  { type: 'room', room: 'sessions/x/gm', message: { type: 'client-id', clientId: 300 } },
  { type: 'intent-submit', intents: [{ id: 'a', type: 'chat:message', payload: { text: 'hi', n: 1.5, ok: true, none: null } }] },
  { type: 'intent-ack', acks: [{ id: 'a', success: true, sequence: 7 }] },
  { type: 'event-applied', entries: [{ event: { id: 'a', sequence: 7 }, status: 'applied', patch: [] }] },
  { type: 'catch-up-request', from: 12 },
  { type: 'approval-requested', approvals: [{ summary: 'Thorin dies', current: { '/actors/thorin': null } }] },
  { type: 'approval-resolved', resolutions: [{ sequence: 4, decision: 'denied', reason: 'healed in time' }] },
  { type: 'catch-up-response', entries: [], latest: 300, skipped: true },
  ...(Object.keys(REJECT_REASON_CODES) as RejectReason[]).map(
    (reason): ProtocolMessage => ({ type: 'error', reason, detail: `d-${reason}` }),
  ),
];

describe('protocol messages', () => {
  it.each(samples.map((m) => [m.type, m] as const))('[P1] %s round-trips', (_t, msg) => {
    expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
  });

  it('[P2] sync frames are byte-identical to y-protocols', () => {
    const doc = new Y.Doc();
    doc.getMap('m').set('k', 'v');
    const ours = encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(doc) });
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 0);
    syncProtocol.writeSyncStep1(enc, doc);
    expect(ours).toEqual(encoding.toUint8Array(enc));
    const update = Y.encodeStateAsUpdate(doc);
    const enc2 = encoding.createEncoder();
    encoding.writeVarUint(enc2, 0);
    syncProtocol.writeUpdate(enc2, update);
    expect(encodeMessage({ type: 'sync-update', update })).toEqual(encoding.toUint8Array(enc2));
  });

  it('[P14] a room envelope wraps an encoded frame without re-encoding it', () => {
    const inner = encodeMessage({ type: 'sync-update', update: bytes(1, 2, 3) });
    expect(decodeMessage(encodeRoomEnvelope('a/b', inner))).toEqual({
      type: 'room',
      room: 'a/b',
      message: { type: 'sync-update', update: bytes(1, 2, 3) },
    });
  });

  it('[P1] rejects trailing bytes, empty frames, unknown types and nested envelopes', () => {
    const frame = encodeMessage({ type: 'query-awareness' });
    expect(() => decodeMessage(new Uint8Array([...frame, 0]))).toThrow(ProtocolDecodeError);
    expect(() => decodeMessage(new Uint8Array())).toThrow(ProtocolDecodeError);
    expect(() => decodeMessage(bytes(99))).toThrow(ProtocolDecodeError);
    expect(() => decodeMessage(bytes(0, 7, 0))).toThrow(/sync step/);
    const nested = encodeRoomEnvelope('a', encodeRoomEnvelope('b', encodeMessage({ type: 'query-awareness' })));
    expect(() => decodeMessage(nested)).toThrow(/nested/);
    expect(() => decodeMessage(bytes(15, 200, 0))).toThrow(ProtocolDecodeError);
    // [P15] a client id Yjs could never have made (2^32) is refused.
    expect(() => decodeMessage(bytes(16, 0x80, 0x80, 0x80, 0x80, 0x10))).toThrow(/client id/);
  });

  it('[P1] fuzz: random and truncated frames only ever throw ProtocolDecodeError', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const valid = samples.map((m) => encodeMessage(m));
    for (let i = 0; i < 20_000; i++) {
      let frame: Uint8Array;
      if (i % 3 === 0) {
        frame = new Uint8Array(Math.floor(rand() * 40)).map(() => Math.floor(rand() * 256));
      } else {
        const base = valid[Math.floor(rand() * valid.length)]!;
        frame = base.slice(0, Math.floor(rand() * (base.length + 1)));
        if (i % 3 === 2 && frame.length > 0) frame[Math.floor(rand() * frame.length)] = Math.floor(rand() * 256);
      }
      try {
        decodeMessage(frame);
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolDecodeError);
      }
    }
  });
});
