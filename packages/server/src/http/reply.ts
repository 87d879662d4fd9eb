import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';

export type Headers = Readonly<Record<string, string>>;

/** What a route answers; the dispatcher writes it, so every answer goes out one way (HEAD included). */
export type Reply =
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown; readonly headers?: Headers }
  /** A text body of the given content type (the Prometheus exposition format). */
  | { readonly kind: 'text'; readonly status: number; readonly body: string; readonly contentType: string; readonly headers?: Headers }
  /** A file streamed from disk; `size` is its Content-Length. */
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly headers: Headers }
  /** Bytes from memory (an image from the store), 200 with their Content-Length. */
  | { readonly kind: 'bytes'; readonly data: Uint8Array; readonly headers: Headers }
  /** A status without a body (304). */
  | { readonly kind: 'empty'; readonly status: number; readonly headers: Headers };

export function json(status: number, body: unknown, headers?: Headers): Reply {
  return headers === undefined ? { kind: 'json', status, body } : { kind: 'json', status, body, headers };
}

export function text(status: number, body: string, contentType: string): Reply {
  return { kind: 'text', status, body, contentType };
}

/**
 * Writes `reply`. A HEAD answer carries the headers a GET would, Content-Length
 * included, and no body. `onStreamError` hears of a file that failed mid-way
 * (the status is out; the connection is cut so the client sees it short).
 */
export function sendReply(res: ServerResponse, reply: Reply, head: boolean, onStreamError: (err: Error) => void): void {
  switch (reply.kind) {
    case 'json': {
      const data = JSON.stringify(reply.body);
      res.writeHead(reply.status, { ...reply.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
      res.end(head ? undefined : data);
      return;
    }
    case 'text':
      res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body) });
      res.end(head ? undefined : reply.body);
      return;
    case 'empty':
      res.writeHead(reply.status, reply.headers);
      res.end();
      return;
    case 'bytes':
      // Content-addressed bytes never go stale. Without a Date, the browser app's service worker expires
      // its copy 30 days after its last use, not 30 days after the day it was first fetched (docs/web.md).
      res.sendDate = false;
      res.writeHead(200, { ...reply.headers, 'content-length': reply.data.byteLength });
      res.end(head ? undefined : reply.data);
      return;
    case 'file':
      res.writeHead(200, { ...reply.headers, 'content-length': reply.size });
      if (head) {
        res.end();
        return;
      }
      pipeline(createReadStream(reply.path), res, (err) => {
        if (err) onStreamError(err);
      });
      return;
  }
}
