import { Feature, MessageType, PROTOCOL_VERSION, decodeMessage, encodeMessage } from '@dungeon-lab/protocol';
import type { ServerFrame, WireProtocol } from './types.ts';
import { yWebsocketWire } from './y-websocket.ts';

const HELLO = encodeMessage({ type: 'hello', version: PROTOCOL_VERSION, features: Feature.Saved });

/**
 * Stock y-websocket plus the one sidecar feature a crash test needs: `saved`,
 * the server's statement of which clocks are durable. A stock client only
 * learns that the server applied a move (its echo), not that it was stored.
 */
export const dungeonLabSavedWire: WireProtocol = {
  ...yWebsocketWire,
  encodeHello: () => HELLO,
  decode(frame): ServerFrame {
    if (frame[0] === MessageType.Saved) {
      const message = decodeMessage(frame);
      if (message.type === 'saved') return { kind: 'saved', stateVector: message.stateVector };
    }
    return yWebsocketWire.decode(frame);
  },
};
