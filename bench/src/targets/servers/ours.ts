import { serve } from './harness.ts';

/*
 * Only the parts of @dungeon-lab/server's API the harness relies on. The
 * modules are imported by name at run time so that the bench does not stop
 * typechecking whenever the server's internals move.
 */
interface OursServer {
  listen(port: number, host: string): Promise<void>;
  close(): Promise<void>;
  /** `http://host:port` once listening. */
  readonly url: string;
  metrics?(): { readonly rooms: number };
}
interface ServerModule {
  createServer(options: { store: unknown; evictAfterMs?: number }): OursServer;
}
interface StoreModule {
  createLevelStore(options: { dataDir: string }): unknown;
}

const serverModule = '@dungeon-lab/server';
const storeModule = '@dungeon-lab/store-level';

await serve(async ({ host, port, dataDir, evictAfterMs }) => {
  if (!dataDir) throw new Error('ours needs --data-dir');
  const { createServer } = (await import(serverModule)) as ServerModule;
  const { createLevelStore } = (await import(storeModule)) as StoreModule;
  // Tolerates a store factory that opens asynchronously.
  const store: unknown = await createLevelStore({ dataDir });
  const server = createServer({ store, ...(evictAfterMs === undefined ? {} : { evictAfterMs }) });
  await server.listen(port, host);
  const actualPort = Number(new URL(server.url).port);
  if (!actualPort) throw new Error(`could not read the port from ${server.url}`);
  return { port: actualPort, rooms: () => server.metrics?.().rooms };
});
