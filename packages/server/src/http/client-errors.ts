import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { answerAndClose, rawErrorResponse } from './raw-response.ts';

/** Node's parser errors that are not plain 400s ([F6]: a head too large or too slow). */
const ANSWER_OF: Readonly<Record<string, readonly [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'request head too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'chunk extensions too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request head not complete in time'],
};
const MALFORMED = [400, 'malformed HTTP request'] as const;

/**
 * Answers requests Node's HTTP parser refused (the server's `clientError`):
 * a malformed request line, header or chunk, a head too large or too slow.
 * They get the status Node would give them, with a `{ error }` body like
 * every other refusal — unless the answer to that connection's request has
 * already begun (its body went bad after the handler answered), where
 * anything more would corrupt it, so the connection is only cut.
 */
export class ClientErrors {
  readonly #responses = new WeakMap<Duplex, ServerResponse>();
  /** Connections already answered: Node's parser fails again on every later chunk of the same bad request. */
  readonly #answered = new WeakSet<Duplex>();

  /** Remembers the response being written on the request's connection until it is done. */
  track(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.#responses.set(socket, res);
    res.once('close', () => {
      if (this.#responses.get(socket) === res) this.#responses.delete(socket);
    });
  }

  answer(err: Error & { code?: string }, socket: Duplex): void {
    // The answer is on its way and the rest is being read and dropped (answerAndClose); cutting now would reset it away.
    if (this.#answered.has(socket)) return;
    if (err.code === 'ECONNRESET' || !socket.writable || this.#responses.get(socket)?.headersSent === true) {
      socket.destroy();
      return;
    }
    const [status, error] = ANSWER_OF[err.code ?? ''] ?? MALFORMED;
    this.#answered.add(socket);
    answerAndClose(socket, rawErrorResponse(status, error));
  }
}
