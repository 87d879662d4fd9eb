import { STATUS_CODES } from 'node:http';

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
