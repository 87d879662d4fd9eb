import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpContext {
  readonly ping: () => Promise<void>;
  readonly metrics: () => object;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

/** Plain HTTP endpoints beside the WebSocket rooms. Returns false when the request is not ours. */
export async function handleHttp(req: IncomingMessage, res: ServerResponse, ctx: HttpContext): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    try {
      await ctx.ping();
      json(res, 200, { ok: true });
    } catch (err) {
      json(res, 503, { ok: false, error: `store unreachable: ${String(err)}` });
    }
    return true;
  }
  if (req.method === 'GET' && path === '/metrics') {
    json(res, 200, ctx.metrics());
    return true;
  }
  return false;
}
