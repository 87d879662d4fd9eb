import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { ServerFrame, WireProtocol } from './types.ts';

// Message and sync sub-types as y-websocket and y-protocols number them.
const MESSAGE_SYNC = 0;
const MESSAGE_AUTH = 2;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;
const AUTH_PERMISSION_DENIED = 0;

function syncFrame(subType: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, subType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/**
 * The room as the URL path. The base URL may carry a query (ours' `token`),
 * which stays: the references ignore it, as they ignore any query.
 */
export function roomUrlKeepingQuery(baseUrl: string, room: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${encodeURIComponent(room)}`;
  return url.href;
}

/** Stock y-websocket: the room is the URL path, every frame is one message. */
export const yWebsocketWire: WireProtocol = {
  name: 'y-websocket',
  needsAuth: false,
  roomUrl: roomUrlKeepingQuery,
  encodeAuth: () => {
    throw new Error('y-websocket has no client auth message');
  },
  encodeSyncStep1: (_room, stateVector) => syncFrame(SYNC_STEP1, stateVector),
  encodeSyncStep2: (_room, update) => syncFrame(SYNC_STEP2, update),
  encodeUpdate: (_room, update) => syncFrame(SYNC_UPDATE, update),
  encodeKeepalive: () => null,
  // Type and sub-type are single-byte varUints.
  peekKind: (frame) => (frame[0] === MESSAGE_SYNC && frame[1] === SYNC_UPDATE ? 'update' : undefined),
  decode(frame): ServerFrame {
    const decoder = decoding.createDecoder(frame);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const sub = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (sub === SYNC_STEP1) return { kind: 'sync-step1', stateVector: payload };
      if (sub === SYNC_STEP2) return { kind: 'sync-step2', update: payload };
      if (sub === SYNC_UPDATE) return { kind: 'update', update: payload };
      return { kind: 'other', type };
    }
    if (type === MESSAGE_AUTH && decoding.readVarUint(decoder) === AUTH_PERMISSION_DENIED) {
      return { kind: 'auth-denied', reason: decoding.readVarString(decoder) };
    }
    return { kind: 'other', type };
  },
};
