import { Feature, MessageType, PROTOCOL_VERSION, decodeMessage, encodeMessage } from '@dungeon-lab/protocol';
import type { ServerFrame, WireProtocol } from './types.ts';
import { yWebsocketWire } from './y-websocket.ts';

const HELLO = encodeMessage({ type: 'hello', version: PROTOCOL_VERSION, features: Feature.ClientIds });

/**
 * Stock y-websocket plus the sidecar's leased client ids ([P15]): the client
 * asks for a short Yjs client id and makes its edits under it, which takes
 * four bytes off every update (the id is written four times per move).
 */
export const dungeonLabClientIdWire: WireProtocol = {
  ...yWebsocketWire,
  encodeHello: () => HELLO,
  encodeClientIdRequest: (_room, clientId) => encodeMessage({ type: 'client-id', clientId }),
  decode(frame): ServerFrame {
    if (frame[0] === MessageType.ClientId) {
      const message = decodeMessage(frame);
      if (message.type === 'client-id') return { kind: 'client-id', clientId: message.clientId };
    }
    return yWebsocketWire.decode(frame);
  },
};
