/**
 * Bytes a WebSocket frame with `payloadBytes` of payload occupies on the wire
 * (RFC 6455 §5.2): 2 header bytes, 2 or 8 more for longer payloads, and a
 * 4-byte mask on every client-to-server frame.
 */
export function wsFrameBytes(payloadBytes: number, fromClient: boolean): number {
  const lengthBytes = payloadBytes < 126 ? 0 : payloadBytes < 65_536 ? 2 : 8;
  return 2 + lengthBytes + (fromClient ? 4 : 0) + payloadBytes;
}
