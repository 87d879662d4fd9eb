import { docs, setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';
import { serve } from './harness.ts';

// The reference deployment: ws server + setupWSConnection, no persistence, stock options.
await serve(async ({ host, port }) => {
  const wss = new WebSocketServer({ host, port });
  wss.on('connection', (socket, request) => setupWSConnection(socket, request));
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error(`unexpected address ${String(address)}`);
  return { port: address.port, rooms: () => docs.size };
});
