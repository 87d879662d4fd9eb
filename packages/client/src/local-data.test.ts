import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import * as idb from 'lib0/indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fakeJwt } from './jwt.fixture.ts';
import { clearLocalData, docStorageName } from './local-data.ts';
import { memoryPersistence } from './memory-persistence.ts';
import { SessionClient, roomName, type SessionClientOptions } from './session-client.ts';

// The default persistence is IndexedDB wherever it exists: here, fake-indexeddb's.
beforeAll(() => {
  Object.assign(globalThis, { indexedDB, IDBKeyRange });
});
afterAll(() => {
  delete (globalThis as Record<string, unknown>).indexedDB;
  delete (globalThis as Record<string, unknown>).IDBKeyRange;
});

let sessions = 0;

/** A client of one session in "the browser" (never connects: port 9, connect: false). */
function open(sessionId: string, token: SessionClientOptions['token'], extra: Partial<SessionClientOptions> = {}): SessionClient {
  return new SessionClient({
    serverUrl: 'http://127.0.0.1:9',
    sessionId,
    docs: ['table', 'gm'],
    WebSocketPolyfill: WebSocket,
    connect: false,
    token,
    ...extra,
  });
}

/** What a user left in one session's local storage: a table mark, a GM note and the queued chat. */
async function leave(sessionId: string, userId: string): Promise<string> {
  const c = open(sessionId, fakeJwt({ sub: userId }));
  await c.ready;
  c.doc('table').getMap('tokens').set(`mark-${userId}`, 1);
  c.doc('gm').getMap('notes').set('note', `${userId}'s`);
  const { id } = c.intents.submit('chat:message', { text: `from ${userId}` });
  await c.destroy();
  return id;
}

async function found(sessionId: string, userId: string): Promise<{ tokens: string[]; note: unknown; queued: string[] }> {
  const c = open(sessionId, fakeJwt({ sub: userId }));
  await c.ready;
  const seen = {
    tokens: [...c.doc('table').getMap('tokens').keys()],
    note: c.doc('gm').getMap('notes').get('note'),
    queued: c.pendingIntents.get().map((p) => p.intent.id),
  };
  await c.destroy();
  return seen;
}

async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).flatMap((d) => (d.name === undefined ? [] : [d.name])).sort();
}

const namesOf = (userId: string, sessionId: string) => ['gm', 'table'].map((doc) => docStorageName(userId, roomName(sessionId, doc)));

describe('[EQ24] local storage belongs to one user', () => {
  it('two identities in one browser, one session: separate databases; neither sees the other\'s documents or queued intents', async () => {
    const session = `s${++sessions}`;
    const alices = await leave(session, 'alice');
    expect(await found(session, 'bob')).toEqual({ tokens: [], note: undefined, queued: [] });
    const bobs = await leave(session, 'bob');
    expect(await found(session, 'alice')).toEqual({ tokens: ['mark-alice'], note: "alice's", queued: [alices] });
    expect(await found(session, 'bob')).toEqual({ tokens: ['mark-bob'], note: "bob's", queued: [bobs] });
    expect((await databaseNames()).filter((n) => n.includes(`/sessions/${session}/`))).toEqual(
      [`dungeon-lab/alice/sessions/${session}/gm`, `dungeon-lab/alice/sessions/${session}/table`, `dungeon-lab/bob/sessions/${session}/gm`, `dungeon-lab/bob/sessions/${session}/table`],
    );
  });

  it('clearLocalData deletes one user\'s databases and no one else\'s, even a user whose id extends theirs', async () => {
    const session = `s${++sessions}`;
    const others = ['carol/sessions', 'carol2', 'dave'];
    for (const user of ['carol', ...others]) await leave(session, user);
    expect(await clearLocalData('carol')).toEqual(namesOf('carol', session));
    expect(await found(session, 'carol')).toEqual({ tokens: [], note: undefined, queued: [] });
    for (const user of others) expect((await found(session, user)).tokens).toEqual([`mark-${user}`]);
    const left = await databaseNames();
    for (const user of others) expect(left).toEqual(expect.arrayContaining(namesOf(user, session)));
    // A user with nothing stored: nothing to delete.
    expect(await clearLocalData('nobody')).toEqual([]);
  });

  it('clearLocalData finds the databases through the client\'s registry where indexedDB.databases() is missing, and through databases() what the registry lacks', async () => {
    const session = `s${++sessions}`;
    await leave(session, 'erin');
    await leave(session, 'frank');
    const real = globalThis.indexedDB;
    // Same factory, without databases() (as in browsers that lack it).
    globalThis.indexedDB = Object.create(real, { databases: { value: undefined } }) as IDBFactory;
    try {
      expect(await clearLocalData('erin')).toEqual(namesOf('erin', session));
    } finally {
      globalThis.indexedDB = real;
    }
    expect((await databaseNames()).filter((n) => n.startsWith('dungeon-lab/erin/'))).toEqual([]);

    // A database the registry never heard of (made by something else under the user's names).
    const unregistered = docStorageName('frank', roomName(session, 'notes'));
    (await idb.openDB(unregistered, (db) => idb.createStores(db, [['updates']]))).close();
    expect(await clearLocalData('frank')).toEqual([...namesOf('frank', session), unregistered].sort());
    expect((await databaseNames()).filter((n) => n.startsWith('dungeon-lab/frank/'))).toEqual([]);
  });

  it('a client that cannot tell whose storage it would open refuses to open any: a token function or a token without sub needs userId', async () => {
    const session = `s${++sessions}`;
    const token = fakeJwt({ sub: 'gina' });
    expect(() => open(session, () => token)).toThrow(/whose local storage\? Pass userId/);
    expect(() => open(session, 'opaque-token')).toThrow(/whose local storage\? Pass userId/);
    expect(() => open(session, () => token, { persistence: memoryPersistence() })).toThrow(/whose local storage\? Pass userId/);

    const withUser = open(session, () => token, { userId: 'gina' });
    await withUser.ready;
    withUser.doc('table').getMap('tokens').set('mark', 1);
    await withUser.destroy();
    expect(await databaseNames()).toEqual(expect.arrayContaining(namesOf('gina', session)));

    // Without IndexedDB and without a persistence option, nothing outlives the client: it may run without a user.
    delete (globalThis as Record<string, unknown>).indexedDB;
    try {
      const memoryOnly = open(session, () => token);
      await memoryOnly.ready;
      await memoryOnly.destroy();
    } finally {
      Object.assign(globalThis, { indexedDB });
    }
  });
});
