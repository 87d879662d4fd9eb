import { MessageType, PROTOCOL_VERSION, SIDECAR_QUERY_PARAM, decodeMessage } from '@dungeon-lab/protocol';
import type { ServerFrame, WireProtocol } from './types.ts';
import { roomUrlKeepingQuery, yWebsocketWire } from './y-websocket.ts';

/**
 * What Dungeon Lab's own client speaks on a table room: stock y-websocket
 * plus the whole sidecar, announced with `dl=<version>` in the URL (so the
 * socket also gets `saved`, checksums and every `event-applied`, as a real
 * client's does). Only `intent-ack` is decoded: the other sidecar frames
 * arrive by the hundred per intent across a table and are merely counted.
 */
export const dungeonLabEventLogWire: WireProtocol = {
  ...yWebsocketWire,
  roomUrl(baseUrl, room) {
    const url = new URL(roomUrlKeepingQuery(baseUrl, room));
    url.searchParams.set(SIDECAR_QUERY_PARAM, String(PROTOCOL_VERSION));
    return url.href;
  },
  decode(frame): ServerFrame {
    const type = frame[0];
    if (type === MessageType.IntentAck) {
      const message = decodeMessage(frame);
      if (message.type === 'intent-ack') return { kind: 'intent-ack', acks: message.acks };
    }
    // Sidecar types are all single-byte varUints above y-websocket's 0–3.
    if (type !== undefined && type >= MessageType.Hello) return { kind: 'other', type };
    return yWebsocketWire.decode(frame);
  },
};
