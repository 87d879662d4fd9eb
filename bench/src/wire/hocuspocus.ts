import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { ServerFrame, WireProtocol } from './types.ts';

/*
 * Hocuspocus 4 framing, as read from @hocuspocus/server (ClientConnection,
 * MessageReceiver, OutgoingMessage) and @hocuspocus/common (auth.ts): every
 * frame starts with the document name as a varString, then a message type.
 * The server queues everything for a document until an Auth/Token frame for
 * it arrives; it answers Auth/Authenticated and only then handles the queue.
 * The provider waits for that answer before it sends sync step 1, and so do
 * we, so a join costs the same round trips as with the real provider.
 */
const TYPE_SYNC = 0;
const TYPE_AWARENESS = 1;
const TYPE_AUTH = 2;
const TYPE_QUERY_AWARENESS = 3;
const TYPE_SYNC_REPLY = 4;
const TYPE_CLOSE = 7;
const TYPE_SYNC_STATUS = 8;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;
const AUTH_TOKEN = 0;
const AUTH_PERMISSION_DENIED = 1;
const AUTH_AUTHENTICATED = 2;

/** No onAuthenticate hook is configured, so any token passes; the provider sends '' when it has none. */
const TOKEN = '';

function header(room: string, type: number): encoding.Encoder {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, room);
  encoding.writeVarUint(encoder, type);
  return encoder;
}

function syncFrame(room: string, subType: number, payload: Uint8Array): Uint8Array {
  const encoder = header(room, TYPE_SYNC);
  encoding.writeVarUint(encoder, subType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

export const hocuspocusWire: WireProtocol = {
  name: 'hocuspocus',
  needsAuth: true,
  // One socket per client and document; the document is named inside every frame, not in the URL.
  roomUrl: (baseUrl) => baseUrl,
  encodeAuth(room) {
    const encoder = header(room, TYPE_AUTH);
    encoding.writeVarUint(encoder, AUTH_TOKEN);
    encoding.writeVarString(encoder, TOKEN);
    return encoding.toUint8Array(encoder);
  },
  encodeSyncStep1: (room, stateVector) => syncFrame(room, SYNC_STEP1, stateVector),
  encodeSyncStep2: (room, update) => syncFrame(room, SYNC_STEP2, update),
  encodeUpdate: (room, update) => syncFrame(room, SYNC_UPDATE, update),
  // The server closes sockets that sent nothing for `timeout` (60 s). QueryAwareness
  // resets that timer and, coming from a socket, is answered with nothing.
  encodeKeepalive: (room) => encoding.toUint8Array(header(room, TYPE_QUERY_AWARENESS)),
  peekKind(frame) {
    // Document names shorter than 128 bytes have a one-byte length prefix; longer ones take the slow path.
    const nameLength = frame[0]!;
    if (nameLength >= 0x80) return undefined;
    const type = frame[1 + nameLength];
    if (type === TYPE_SYNC && frame[2 + nameLength] === SYNC_UPDATE) return 'update';
    if (type === TYPE_SYNC_STATUS) return 'sync-status';
    return undefined;
  },
  decode(frame): ServerFrame {
    const decoder = decoding.createDecoder(frame);
    decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case TYPE_SYNC:
      case TYPE_SYNC_REPLY: {
        const sub = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (sub === SYNC_STEP1) return { kind: 'sync-step1', stateVector: payload };
        if (sub === SYNC_STEP2) return { kind: 'sync-step2', update: payload };
        if (sub === SYNC_UPDATE) return { kind: 'update', update: payload };
        return { kind: 'other', type };
      }
      case TYPE_AUTH: {
        const sub = decoding.readVarUint(decoder);
        if (sub === AUTH_AUTHENTICATED) return { kind: 'authenticated' };
        if (sub === AUTH_PERMISSION_DENIED) return { kind: 'auth-denied', reason: decoding.readVarString(decoder) };
        return { kind: 'other', type };
      }
      case TYPE_SYNC_STATUS:
        return { kind: 'sync-status', applied: decoding.readVarUint(decoder) === 1 };
      case TYPE_CLOSE:
        return { kind: 'closing', reason: decoding.readVarString(decoder) };
      case TYPE_AWARENESS:
      default:
        return { kind: 'other', type };
    }
  },
};
