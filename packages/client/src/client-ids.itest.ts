import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, startTestServer, testClient, waitFor } from './server-harness.fixture.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The bytes of the update one local change produces. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  let captured: Uint8Array | null = null;
  const listener = (update: Uint8Array) => {
    captured = update;
  };
  doc.on('update', listener);
  change();
  doc.off('update', listener);
  if (captured === null) throw new Error('the change made no update');
  return captured;
}

describe('[EQ20] leased client ids ([P15])', () => {
  it('a client adopts the id the server leases it: later edits and presence use it, offline edits keep theirs, a move is small', async () => {
    const server = await startTestServer({ checksumIntervalMs: 0 });
    cleanups.push(() => server.dispose());
    const sess = await createTestSession(server.url, ['gm']);
    const leases: number[] = [];
    const laptop = testClient(server.url, { sessionId: sess.id, token: sess.gm.token, docs: ['gm'], persistence: memoryPersistence(), connect: false });
    cleanups.push(() => laptop.destroy());
    laptop.on('client-id', (e) => leases.push(e.clientId));
    await laptop.ready;
    const doc = laptop.doc('gm');
    const randomId = doc.clientID;
    // Made offline, under the id the document was created with.
    doc.getMap('tokens').set('goblin', 'offline edit');
    laptop.awareness('gm').setLocalStateField('cursor', { x: 3, y: 4 });

    laptop.connect();
    await laptop.whenSynced();
    await waitFor(() => leases.length === 1, 'lease adopted');
    const leased = leases[0]!;
    expect(leased).toBeGreaterThan(0);
    expect(leased).toBeLessThan(128);
    expect(doc.clientID).toBe(leased);

    const token = new Y.Map<number>();
    doc.getMap('tokens').set('hero', token);
    token.set('x', 1);
    const move = updateOf(doc, () => token.set('x', 2));
    // Four client ids of one byte each instead of five: a move is 23 bytes, not 39.
    expect(move.byteLength).toBeLessThanOrEqual(24);

    await laptop.whenSaved();
    expect(laptop.pendingChanges.get()).toBe(0);

    const phone = testClient(server.url, { sessionId: sess.id, token: sess.gm.token, docs: ['gm'], persistence: memoryPersistence() });
    cleanups.push(() => phone.destroy());
    await phone.whenSynced();
    const seen = phone.doc('gm');
    expect(seen.getMap('tokens').get('goblin')).toBe('offline edit');
    expect((seen.getMap('tokens').get('hero') as Y.Map<number>).get('x')).toBe(2);
    expect(seen.store.clients.has(randomId)).toBe(true);
    expect(seen.store.clients.has(leased)).toBe(true);
    // The phone's own lease is another one.
    await waitFor(() => phone.doc('gm').clientID !== leased && phone.doc('gm').clientID < 128, 'phone leased');
    // Presence moved to the leased id: the phone sees the cursor there and nothing left under the random id.
    await waitFor(() => (phone.awareness('gm').getStates().get(leased) as { cursor?: unknown } | undefined)?.cursor !== undefined, 'cursor under the lease');
    expect(phone.awareness('gm').getStates().has(randomId)).toBe(false);
  });

  it('a reconnect keeps the leased id (no new id in the document per reconnect)', async () => {
    const server = await startTestServer({ checksumIntervalMs: 0 });
    cleanups.push(() => server.dispose());
    const sess = await createTestSession(server.url, ['gm']);
    const client = testClient(server.url, { sessionId: sess.id, token: sess.gm.token, docs: ['gm'], persistence: memoryPersistence() });
    cleanups.push(() => client.destroy());
    const leases: number[] = [];
    client.on('client-id', (e) => leases.push(e.clientId));
    await client.whenSynced();
    await waitFor(() => leases.length === 1, 'lease adopted');
    const doc = client.doc('gm');
    doc.getMap('tokens').set('before', 1);
    await client.whenSaved();
    const writers = Array.from(doc.store.clients.keys()).sort();

    await server.stop();
    await server.start();
    await client.whenSynced();
    doc.getMap('tokens').set('after', 2);
    await client.whenSaved();
    expect(leases).toHaveLength(1);
    expect(doc.clientID).toBe(leases[0]);
    expect(Array.from(doc.store.clients.keys()).sort()).toEqual(writers);
  });
});
