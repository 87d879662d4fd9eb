/**
 * [EQ30] A local edit made on a socket whose handshake has not finished is
 * held until it has. Found by the sync fuzz (seed 138): an offline edit, then
 * the socket opens, then an edit before the server's sync step 1 arrived —
 * sent at once, the second edit reached the server ahead of the step 2 that
 * carries the first, the server refused it ([W18]) and the client started the
 * document over, losing both ([W21]). The simulated network holds the
 * server's frames so that the edit falls exactly into that window.
 */
import { MemoryPersistenceStore, SessionApi, SessionClient, SyncState, memoryPersistence } from '@dungeon-lab/client';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerSlot, SharedServices } from './server-slot.ts';
import { SimNetwork } from './sim-network.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the sync handshake on a slow link', () => {
  it('[EQ30][W18] an edit made between the socket opening and the server\'s step 1 waits for the handshake: nothing is refused, both offline and later edits reach the server', async () => {
    const network = new SimNetwork();
    const server = new ServerSlot('s0.fuzz', network, new SharedServices());
    server.start();
    cleanups.push(() => server.stop());
    const api = new SessionApi({ serverUrl: 'http://s0.fuzz', fetch: network.fetchFor('setup') });
    const login = await api.devLogin('gm');
    if (!login.ok) throw new Error(login.error);
    const session = await api.withToken(login.data.token).createSession('handshake');
    if (!session.ok) throw new Error(session.error);
    const client = new SessionClient({
      serverUrl: 'http://s0.fuzz',
      sessionId: session.data.id,
      token: login.data.token,
      docs: ['table'],
      WebSocketPolyfill: network.webSocketFor('gm'),
      fetch: network.fetchFor('gm'),
      persistence: memoryPersistence(new MemoryPersistenceStore()),
      backoff: { initialDelayMs: 20, maxDelayMs: 100 },
      networkEvents: null,
    });
    cleanups.push(() => client.destroy());
    const denied: string[] = [];
    client.on('write-denied', (e) => denied.push(e.reason));
    await client.whenSynced();
    const scene = () => client.doc('table').getMap('scene');

    client.disconnect();
    await waitFor('the socket to close', () => network.links({ client: 'gm' }).length === 0);
    scene().set('offline', 1);
    network.hold('gm');
    client.connect();
    // The upgrade goes up; the server answers 101 and, in the same breath, its step 1: only the 101 comes down.
    await waitFor('the upgrade request', () => network.links({ client: 'gm' }).some((l) => l.queued('up') > 0));
    const [link] = network.links({ client: 'gm' });
    if (link === undefined) throw new Error('no connection');
    link.deliver('up');
    await waitFor('the server\'s answer', () => link.queued('down') > 0);
    link.deliver('down', 1);
    await waitFor('the socket to open', () => client.channel('table').status.get() === 'connected');
    scene().set('before-step-1', 2);

    network.release('gm', () => 0);
    await client.whenSynced();
    await client.whenSaved();
    expect(denied).toEqual([]);
    expect(client.docState('table').get()).toBe(SyncState.SYNCED);
    const state = await api.withToken(login.data.token).state(session.data.id);
    if (!state.ok) throw new Error(state.error);
    expect(state.data.state.scene).toEqual({ offline: 1, 'before-step-1': 2 });
  });
});
