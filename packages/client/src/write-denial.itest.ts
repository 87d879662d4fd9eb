import { TABLE_DOC_SCHEMA, applyPatchToDoc, projectDoc } from '@dungeon-lab/events';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryPersistenceStore, memoryPersistence } from './memory-persistence.ts';
import { createTestSession, startTestServer, testClient, waitFor, type TestServer } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';
import { SyncState } from './sync-state.ts';
import { parseWriteDenial } from './write-denial-recovery.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function table(): Promise<{ server: TestServer; open: (name: 'gm' | 'alice', store?: MemoryPersistenceStore) => SessionClient; aliceId: string }> {
  const server = await startTestServer();
  cleanups.push(() => server.dispose());
  const session = await createTestSession(server.url, ['gm', 'alice']);
  const open = (name: 'gm' | 'alice', store = new MemoryPersistenceStore()) => {
    const c = testClient(server.url, { sessionId: session.id, token: session.users[name]!.token, persistence: memoryPersistence(store) });
    cleanups.push(() => c.destroy());
    return c;
  };
  return { server, open, aliceId: session.users.alice!.userId };
}

const json = (c: SessionClient) => projectDoc(c.doc('table'), TABLE_DOC_SCHEMA);

describe('a write the server refuses', () => {
  it('[W21] the SessionClient reports it, rebuilds the doc from the server (local storage cleared), ends equal to the server and keeps syncing; the intents queue survives', async () => {
    const { open, aliceId } = await table();
    const gm = open('gm');
    const store = new MemoryPersistenceStore();
    const alice = open('alice', store);
    await Promise.all([gm.whenSynced(), alice.whenSynced()]);
    gm.doc('table').transact(() =>
      applyPatchToDoc(gm.doc('table'), TABLE_DOC_SCHEMA, [
        { op: 'add', path: '/actors/a-alice', value: { name: 'Alia', ownerId: aliceId, hp: { value: 20, max: 20 } } },
        { op: 'add', path: '/tokens/t-alice', value: { actorId: 'a-alice', x: 1, y: 1 } },
      ]),
    );
    await waitFor(() => (json(alice).tokens as Record<string, unknown>)['t-alice'] !== undefined, 'the table at alice');

    const denied: Array<{ doc: string; reason: string }> = [];
    const rebuilt: Array<{ doc: string; ruleId: string | null; path: string | null }> = [];
    alice.on('write-denied', (e) => denied.push(e));
    alice.on('rebuilt', (e) => rebuilt.push(e));
    alice.awareness('table').setLocalState({ name: 'Alia' });
    const before = alice.doc('table');
    // A buggy UI writes HP directly; the move in the same transaction is refused with it.
    before.transact(() => {
      const actor = before.getMap<Y.Map<Y.Map<number>>>('actors').get('a-alice')!;
      actor.get('hp')!.set('value', 999);
      before.getMap<Y.Map<number>>('tokens').get('t-alice')!.set('x', 5);
    });
    await waitFor(() => rebuilt.length === 1, 'the rebuild');
    expect(denied[0]).toMatchObject({ doc: 'table', reason: expect.stringMatching(/^\[W5\] set \/actors\/a-alice\/hp\/value: server only/) });
    expect(rebuilt[0]).toMatchObject({ doc: 'table', ruleId: 'W5', path: '/actors/a-alice/hp/value' });

    // A new doc, synced from the server: no trace of the refused edit, here or in local storage.
    expect(alice.doc('table')).not.toBe(before);
    await alice.whenSynced();
    await waitFor(() => JSON.stringify(json(alice)) === JSON.stringify(json(gm)), 'alice equal to the GM');
    expect(json(alice)).toMatchObject({ actors: { 'a-alice': { hp: { value: 20 } } }, tokens: { 't-alice': { x: 1 } } });
    expect(alice.pendingChanges.get()).toBe(0);
    const stored = new Y.Doc();
    for (const update of store.records.get(`dungeon-lab/${encodeURIComponent(aliceId)}/sessions/${encodeURIComponent(alice.sessionId)}/table`)?.updates ?? []) Y.applyUpdate(stored, update);
    expect(projectDoc(stored, TABLE_DOC_SCHEMA)).toMatchObject({ actors: { 'a-alice': { hp: { value: 20 } } } });

    // It writes again: a legal move reaches the GM, an intent goes through the same table socket.
    alice.doc('table').getMap<Y.Map<number>>('tokens').get('t-alice')!.set('x', 7);
    await waitFor(() => (json(gm).tokens as Record<string, { x: number }>)['t-alice']!.x === 7, 'the move at the GM');
    const { result } = alice.intents.submit('chat:message', { text: 'sorry about that' });
    expect(await result).toMatchObject({ success: true });
    await waitFor(() => (json(gm).chat as unknown[]).length === 1, 'the message at the GM');
    expect(alice.docState('table').get()).toBe(SyncState.SYNCED);
    // Presence moved to the new doc's client id, as y-websocket announces it.
    const presence = () => gm.awareness('table').getStates().get(alice.doc('table').clientID);
    await waitFor(() => presence() !== undefined, 'alice\'s presence at the GM');
    expect(presence()).toEqual({ name: 'Alia' });
    expect(denied).toHaveLength(1);
  });

  it('[EQ22][W21] the document as a value: a refused write replaces it once, the new doc holds the server\'s state, presence stays on the same awareness under the new doc\'s client id', async () => {
    const { open } = await table();
    const gm = open('gm');
    const alice = open('alice');
    await Promise.all([gm.whenSynced(), alice.whenSynced()]);
    gm.doc('table').getMap('scene').set('name', 'Crypt');
    const scene = (doc: Y.Doc) => doc.getMap('scene').get('name');
    await waitFor(() => scene(alice.doc('table')) === 'Crypt', 'the scene at alice');

    const value = alice.docValue('table');
    const before = value.get();
    expect(before).toBe(alice.doc('table'));
    const seen: Y.Doc[] = [];
    value.subscribe((doc) => seen.push(doc));
    const awareness = alice.awareness('table');
    awareness.setLocalState({ name: 'Alia' });
    // The scene is the GM's ([W9]): the server refuses this, and the doc is started over.
    before.getMap('scene').set('name', 'Alia was here');
    await waitFor(() => seen.length === 1, 'the replaced doc');
    const fresh = seen[0]!;
    expect(fresh).not.toBe(before);
    expect(value.get()).toBe(fresh);
    expect(alice.doc('table')).toBe(fresh);
    await alice.whenSynced();
    await waitFor(() => scene(fresh) === 'Crypt', 'the server\'s scene in the new doc');
    expect(json(alice)).toEqual(json(gm));

    // It keeps syncing, and its presence is the same awareness, under the new doc's (perhaps leased) client id.
    gm.doc('table').getMap('scene').set('name', 'Crypt, lower level');
    await waitFor(() => scene(fresh) === 'Crypt, lower level', 'a later edit in the new doc');
    // The view follows the new doc.
    expect((alice.view.get().scene as { name: string }).name).toBe('Crypt, lower level');
    expect(alice.awareness('table')).toBe(awareness);
    await waitFor(() => awareness.clientID === fresh.clientID, 'presence under the doc\'s client id');
    await waitFor(() => (gm.awareness('table').getStates().get(fresh.clientID) as { name?: string } | undefined)?.name === 'Alia', 'presence at the GM');
    expect(seen).toEqual([fresh]);
  });

  it('[W15] denials are read from the server\'s wording: rule, op and path, or none when the update could not be judged', () => {
    expect(parseWriteDenial('[W3] set /tokens/t1/x: gm or token-controller only (moving a token)')).toEqual({
      reason: '[W3] set /tokens/t1/x: gm or token-controller only (moving a token)',
      ruleId: 'W3',
      op: 'set',
      path: '/tokens/t1/x',
    });
    expect(parseWriteDenial('update not applied: refers to 1:2, which the server does not have')).toMatchObject({ ruleId: null, path: null });
  });
});
