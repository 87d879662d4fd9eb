import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson as json } from './http-json.ts';

export interface HttpContext {
  readonly ping: () => Promise<void>;
  readonly metrics: () => object;
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
