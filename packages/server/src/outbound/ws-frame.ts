/**
 * A complete server-to-client WebSocket frame (RFC 6455 §5.2: FIN, binary,
 * unmasked). Built once per message, it can be written as it is to every
 * socket that should get the message.
 */
export type WsFrame = Buffer & { readonly __wsFrame: true };

const FIN_BINARY = 0x82;

export function encodeWsFrame(message: Uint8Array): WsFrame {
  const length = message.byteLength;
  const header = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = FIN_BINARY;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    // Lengths here are bounded by the message size limit, far below 2^53.
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(message, header);
  return frame as WsFrame;
}

/** The message inside a frame built by `encodeWsFrame` (a view, not a copy). */
export function wsFramePayload(frame: WsFrame): Uint8Array {
  const marker = frame[1]! & 0x7f;
  const header = marker < 126 ? 2 : marker === 126 ? 4 : 10;
  return frame.subarray(header);
}
