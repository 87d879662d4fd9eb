import { Server } from '@hocuspocus/server';
import { serve } from './harness.ts';

// No extensions and the default debounce/timeout; only quiet and no signal handlers of its own.
await serve(async ({ host, port }) => {
  const server = new Server({ address: host, port, quiet: true, stopOnSignals: false });
  await server.listen();
  return { port: server.address.port, rooms: () => server.hocuspocus.getDocumentsCount() };
});
