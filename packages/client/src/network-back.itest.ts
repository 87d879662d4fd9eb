import { afterEach, describe, expect, it } from 'vitest';
import { createTestSession, startTestServer, testClient, waitFor } from './server-harness.fixture.ts';
import { SyncState } from './sync-state.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the network coming back', () => {
  it('[EQ29] an online event sends a document waiting out a long backoff to the server at once', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.dispose());
    const session = await createTestSession(server.url, ['gm']);
    const network = new EventTarget();
    // A backoff long enough that only the event can explain a quick reconnect.
    const client = testClient(server.url, { sessionId: session.id, token: session.gm.token, networkEvents: network, backoff: { initialDelayMs: 20_000, maxDelayMs: 20_000, jitter: 0 } });
    cleanups.push(() => client.destroy());
    await client.whenSynced();
    const reconnects: Array<{ delayMs: number }> = [];
    client.on('reconnect', (e) => reconnects.push(e));

    await server.stop();
    // The server closed with ServiceRestart ([OPS3]): the first attempt went at once and found it gone; now the long backoff.
    await waitFor(() => reconnects.some((e) => e.delayMs >= 20_000), 'waiting out the backoff');
    await waitFor(() => client.syncState.get() === SyncState.OFFLINE, 'offline');
    await server.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(client.syncState.get()).toBe(SyncState.OFFLINE);
    const before = Date.now();
    network.dispatchEvent(new Event('online'));
    await client.whenSynced();
    expect(Date.now() - before).toBeLessThan(5_000);
  });

  it('[EQ29] an online event leaves a client that is offline on purpose offline', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.dispose());
    const session = await createTestSession(server.url, ['gm']);
    const network = new EventTarget();
    const client = testClient(server.url, { sessionId: session.id, token: session.gm.token, networkEvents: network });
    cleanups.push(() => client.destroy());
    await client.whenSynced();
    client.disconnect();
    network.dispatchEvent(new Event('online'));
    await new Promise((r) => setTimeout(r, 500));
    expect(client.syncState.get()).toBe(SyncState.OFFLINE);
  });
});
