import { createServer } from 'node:net';

/**
 * A port the OS says is free on 127.0.0.1 right now. It is released before
 * the caller binds it, so another process may take it meanwhile: a caller
 * that cannot bind it retries with another.
 */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('probe socket has no port');
  return address.port;
}
