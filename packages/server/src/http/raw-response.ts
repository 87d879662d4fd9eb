import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused connection may take to close after its answer before it is cut. */
const LINGER_MS = 2_000;

/**
 * A complete HTTP/1.1 error answer as bytes for a bare socket — an upgrade
 * refused before the WebSocket opens, or a request Node could not parse —
 * with the same `{ error }` body the API answers, and `Connection: close`.
 */
export function rawErrorResponse(status: number, error: string, headers: Readonly<Record<string, string>> = {}): string {
  const body = JSON.stringify({ error });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Writes `response` and closes the connection. What the client still sends
 * (the rest of a body nobody will read) is read and dropped, so its close is
 * seen: an unread socket never sees the peer's close and would stay open
 * forever, one descriptor per refused request. A client that keeps sending
 * is cut off after LINGER_MS; it has had its answer.
 */
export function answerAndClose(socket: Duplex, response: string): void {
  if (socket.destroyed) return;
  socket.end(response);
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
