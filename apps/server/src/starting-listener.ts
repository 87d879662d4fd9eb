import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { evaluateReadiness, type ReadinessCheck } from '@dungeon-lab/server';

/**
 * What answers on the port while the process waits for its backends
 * ([OPS4] in docs/operations.md): `/healthz` 200 (alive: a restart would
 * not bring MongoDB up sooner), `/readyz` 503 with what it waits for, and
 * every other request and upgrade 503 `{ error }`. The replica is up and
 * unready — never a crash loop — until the real server takes the port.
 */
export interface StartingListener {
  /** `http://host:port`: the port the real server then listens on (PORT=0 picks one here). */
  readonly url: string;
  readonly port: number;
  /** Lets go of the port, connections included. */
  close(): Promise<void>;
}

export async function listenWhileStarting(port: number, host: string, checks: () => readonly ReadinessCheck[]): Promise<StartingListener> {
  const body = (status: number, value: unknown) => ({ status, data: JSON.stringify(value) });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const answer = async () => {
      if (path === '/healthz') return body(200, { ok: true });
      const report = await evaluateReadiness(checks());
      if (path === '/readyz') return body(503, report);
      return body(503, { error: `starting: ${report.ready ? 'almost ready' : report.error}` });
    };
    void answer().then(({ status, data }) => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), connection: 'close' });
      res.end(data);
    });
  });
  server.on('upgrade', (_req, socket) => {
    const data = JSON.stringify({ error: 'starting: not ready' });
    socket.on('error', () => socket.destroy());
    socket.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(data)}\r\nconnection: close\r\n\r\n${data}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const printable = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${printable}:${addr.port}`,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
