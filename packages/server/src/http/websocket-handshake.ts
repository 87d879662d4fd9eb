import type { IncomingMessage } from 'node:http';

const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** RFC 7230 token: what a subprotocol name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Why an upgrade request is no WebSocket handshake (RFC 6455 §4.2.1), checked
 * before its token is verified or its room loaded: the same checks ws makes
 * when it completes the handshake, answered as our `{ error }` instead of
 * its text/html, and without spending a signature check or a store read on
 * a request that could never open.
 */
export function handshakeProblem(req: IncomingMessage): { status: number; error: string } | null {
  if (req.method !== 'GET') return { status: 405, error: 'a WebSocket handshake is a GET' };
  if (req.headers.host === undefined) return { status: 400, error: 'missing Host header' };
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return { status: 400, error: 'Upgrade must be websocket' };
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return { status: 400, error: 'missing or invalid Sec-WebSocket-Key' };
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return { status: 400, error: 'Sec-WebSocket-Version must be 13' };
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    const names = protocols.split(',').map((p) => p.trim());
    if (names.some((p) => !TOKEN.test(p)) || new Set(names).size !== names.length) {
      return { status: 400, error: 'invalid Sec-WebSocket-Protocol' };
    }
  }
  return null;
}
