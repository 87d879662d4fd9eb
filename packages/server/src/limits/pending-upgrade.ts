import type { Duplex } from 'node:stream';

/** What a client sent after its upgrade request, collected while the server decides ([F6]). */
export interface PendingUpgrade {
  /** Stops collecting and returns everything received after the request head, for the WebSocket to read first. */
  take(): Buffer;
}

/**
 * Bounds the bytes a client can make the server hold between its upgrade
 * request and the answer. The answer waits for the token check and the room
 * load, and a compliant client sends nothing in that time (RFC 6455 §4.1),
 * so whoever sends more than `maxBytes` is cut off at once: the socket is
 * destroyed without an answer and `onExceeded` runs.
 */
export function holdPendingUpgrade(socket: Duplex, head: Buffer, maxBytes: number, onExceeded: () => void): PendingUpgrade {
  const chunks: Buffer[] = head.length > 0 ? [head] : [];
  let size = head.length;
  let collecting = true;
  const exceeded = () => {
    collecting = false;
    socket.off('data', onData);
    chunks.length = 0;
    socket.destroy();
    onExceeded();
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) exceeded();
    else chunks.push(chunk);
  };
  if (size > maxBytes) exceeded();
  else socket.on('data', onData);
  return {
    take() {
      if (collecting) {
        collecting = false;
        socket.off('data', onData);
      }
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    },
  };
}
