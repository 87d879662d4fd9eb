import { MessageType } from '@dungeon-lab/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryPersistence } from './memory-persistence.ts';
import type { DocPersistence, DocPersistenceFactory } from './persistence.ts';
import { filePersistence } from './node/file-persistence.ts';
import { createTestSession, startTestServer, tempDir, testClient, waitFor, type TestServer, type TestSession } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';
import { SyncState } from './sync-state.ts';

let server: TestServer;
const cleanups: Array<() => Promise<unknown>> = [];
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server.dispose();
});

/**
 * Sync mechanics, tested on the GM's document: it has no per-path write
 * rules (the table's are the server's business, docs/security.md), so any
 * edit is a fair test edit. The clients are the GM's devices.
 */
const DOC = 'gm';

const session = (): Promise<TestSession> => createTestSession(server.url, ['gm']);

function client(session: TestSession, extra: Partial<Parameters<typeof testClient>[1]> = {}): SessionClient {
  const c = testClient(server.url, { sessionId: session.id, token: session.gm.token, docs: [DOC], persistence: memoryPersistence(), ...extra });
  cleanups.push(() => c.destroy());
  return c;
}

function bindAll(p: DocPersistence): DocPersistence {
  return {
    load: () => p.load(),
    getMeta: (k) => p.getMeta(k),
    setMeta: (k, v) => p.setMeta(k, v),
    flush: () => p.flush(),
    destroy: () => p.destroy(),
    clearData: () => p.clearData(),
  };
}

/** Records pendingChanges right before and right after each `saved` message is handled. */
function watchSaved(c: SessionClient, doc = DOC): Array<{ before: number; after: number }> {
  const seen: Array<{ before: number; after: number }> = [];
  c.channel(doc).intercept(MessageType.Saved, (_frame, deliver) => {
    const before = c.pendingChanges.get();
    deliver();
    seen.push({ before, after: c.pendingChanges.get() });
  });
  return seen;
}

describe('offline edits', () => {
  it('merge both ways on reconnect; pendingChanges drops to 0 only when `saved` arrives', async () => {
    const sess = await session();
    const a = client(sess);
    const b = client(sess);
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    await a.whenSaved();

    a.disconnect();
    expect(a.syncState.get()).toBe(SyncState.OFFLINE);
    const tokens = a.doc(DOC).getMap('tokens');
    tokens.set('goblin', { x: 1 });
    tokens.set('orc', { x: 2 });
    a.doc(DOC).getText('log').insert(0, 'a moved');
    expect(a.pendingChanges.get()).toBe(3);
    b.doc(DOC).getMap('tokens').set('dragon', { x: 9 });
    b.doc(DOC).getText('log').insert(0, 'b moved');
    await new Promise((r) => setTimeout(r, 200));
    // Deliberately offline: no reconnect happened behind our back.
    expect(a.syncState.get()).toBe(SyncState.OFFLINE);
    expect(b.doc(DOC).getMap('tokens').has('goblin')).toBe(false);
    expect(a.pendingChanges.get()).toBe(3);

    const seen = watchSaved(a);
    let pendingWhenSynced = -1;
    a.on('transition', (e) => {
      if (e.to === SyncState.SYNCED) pendingWhenSynced = a.pendingChanges.get();
    });
    a.connect();
    await a.whenSynced();
    await waitFor(() => a.pendingChanges.get() === 0, 'a saved');

    // The server had the edits in memory at sync time, but only `saved` confirms them.
    expect(pendingWhenSynced).toBe(3);
    const drop = seen.findIndex((s) => s.after === 0);
    expect(drop).toBeGreaterThanOrEqual(0);
    expect(seen[drop]).toEqual({ before: 3, after: 0 });
    expect(seen.slice(0, drop).every((s) => s.before === 3 && s.after === 3)).toBe(true);

    await waitFor(() => b.doc(DOC).getMap('tokens').has('orc'), 'b sees a’s offline edits');
    for (const c of [a, b]) {
      expect(c.doc(DOC).getMap('tokens').toJSON()).toEqual({ goblin: { x: 1 }, orc: { x: 2 }, dragon: { x: 9 } });
    }
    expect(a.doc(DOC).getText('log').toString()).toBe(b.doc(DOC).getText('log').toString());
    expect(a.doc(DOC).getText('log').toString()).toContain('a moved');
    expect(a.doc(DOC).getText('log').toString()).toContain('b moved');
  });

  it('counts only local transactions as pending, never remote ones', async () => {
    const sess = await session();
    const a = client(sess);
    const b = client(sess);
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    const seenByA: number[] = [];
    a.pendingChanges.subscribe((n) => seenByA.push(n));
    for (let i = 0; i < 5; i++) b.doc(DOC).getMap('m').set(`k${i}`, i);
    await waitFor(() => a.doc(DOC).getMap('m').size === 5, 'a receives b’s edits');
    await b.whenSaved();
    expect(seenByA).toEqual([]);
    expect(a.pendingChanges.get()).toBe(0);
  });

  it('[P6] counts a delete-only change until a `saved` delete set covers it', async () => {
    const sess = await session();
    const a = client(sess);
    await a.whenSynced();
    a.doc(DOC).getMap('tokens').set('bat', 1);
    await a.whenSaved();

    a.disconnect();
    a.doc(DOC).getMap('tokens').delete('bat');
    expect(a.pendingChanges.get()).toBe(1);
    const seen = watchSaved(a);
    a.connect();
    await a.whenSynced();
    // The initial `saved` covers a's clock, but the delete is not stored yet: only a later `saved` delete set confirms it.
    await waitFor(() => seen.length > 0, 'initial saved');
    expect(seen[0]).toEqual({ before: 1, after: 1 });
    await a.whenSaved();

    const b = client(sess);
    await b.whenSynced();
    expect(b.doc(DOC).getMap('tokens').has('bat')).toBe(false);
  });

  it('still syncs when local storage fails to load, and says so', async () => {
    const broken: DocPersistenceFactory = (name, doc) => {
      const inner = memoryPersistence()(name, doc);
      return { ...bindAll(inner), load: () => Promise.reject(new Error('disk on fire')) };
    };
    const errors: unknown[] = [];
    const a = client(await session(), { persistence: broken, connect: false });
    a.on('error', (e) => errors.push(e.error));
    a.connect();
    await a.ready;
    await a.whenSynced();
    expect(String(errors[0])).toContain('disk on fire');
  });

  it('a reload over the same on-disk persistence sees the offline edits and their pending count, then syncs them', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const persistence = filePersistence({ dir: dir.path });
    const sess = await session();
    const as = { sessionId: sess.id, token: sess.gm.token, docs: [DOC] };

    const first = testClient(server.url, { ...as, persistence, connect: false });
    await first.ready;
    const oldClientId = first.doc(DOC).clientID;
    first.doc(DOC).getMap('tokens').set('paladin', { hp: 30 });
    first.doc(DOC).getArray('initiative').push(['paladin', 'rogue']);
    expect(first.pendingChanges.get()).toBe(2);
    await first.destroy();

    const second = testClient(server.url, { ...as, persistence, connect: false });
    cleanups.push(() => second.destroy());
    await second.ready;
    expect(second.doc(DOC).clientID).not.toBe(oldClientId);
    expect(second.doc(DOC).getMap('tokens').toJSON()).toEqual({ paladin: { hp: 30 } });
    expect(second.pendingChanges.get()).toBe(2);
    second.doc(DOC).getMap('tokens').set('rogue', { hp: 20 });
    expect(second.pendingChanges.get()).toBe(3);

    const seen = watchSaved(second);
    second.connect();
    await second.whenSynced();
    await second.whenSaved();
    expect(seen.find((s) => s.after < s.before)).toEqual({ before: 3, after: 0 });

    const other = client(sess);
    await other.whenSynced();
    expect(other.doc(DOC).getMap('tokens').toJSON()).toEqual({ paladin: { hp: 30 }, rogue: { hp: 20 } });
    expect(other.doc(DOC).getArray('initiative').toJSON()).toEqual(['paladin', 'rogue']);

    // Confirmation is persisted too: yet another reload has nothing pending.
    await second.destroy();
    const third = testClient(server.url, { ...as, persistence, connect: false });
    cleanups.push(() => third.destroy());
    await third.ready;
    expect(third.pendingChanges.get()).toBe(0);
    expect(third.doc(DOC).getMap('tokens').size).toBe(2);
  });
});
