import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { memoryPersistence } from './memory-persistence.ts';
import {
  createTestSession,
  recordTransitions,
  seededRandom,
  startTestServer,
  testClient,
  waitFor,
  type TestServer,
  type TestSession,
} from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';
import { SyncState } from './sync-state.ts';

let server: TestServer;
const clients: SessionClient[] = [];
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await server.dispose();
});

/**
 * A client of the GM, on two documents without per-path write rules (the
 * table's are the server's business, docs/security.md), so any edit is a
 * fair test edit: the GM document and the player's room, which GMs may read.
 */
function client(session: TestSession): SessionClient {
  const docs = ['gm', `players/${session.users.player!.userId}`];
  const c = testClient(server.url, { sessionId: session.id, token: session.gm.token, docs, persistence: memoryPersistence() });
  clients.push(c);
  return c;
}

/** One random edit on a map, an array or a text of `doc`. */
function randomEdit(doc: Y.Doc, random: () => number, tag: string): void {
  const pick = Math.floor(random() * 6);
  const tokens = doc.getMap<unknown>('tokens');
  const order = doc.getArray<string>('order');
  const notes = doc.getText('notes');
  const key = `k${Math.floor(random() * 8)}`;
  switch (pick) {
    case 0:
      tokens.set(key, { x: Math.floor(random() * 100), by: tag });
      break;
    case 1:
      tokens.delete(key);
      break;
    case 2:
      order.insert(Math.floor(random() * (order.length + 1)), [`${tag}${Math.floor(random() * 1000)}`]);
      break;
    case 3:
      if (order.length > 0) order.delete(Math.floor(random() * order.length), 1);
      break;
    case 4:
      notes.insert(Math.floor(random() * (notes.length + 1)), tag);
      break;
    default:
      if (notes.length > 0) notes.delete(Math.floor(random() * notes.length), 1);
  }
}

function snapshotOf(doc: Y.Doc) {
  return { tokens: doc.getMap('tokens').toJSON(), order: doc.getArray('order').toJSON(), notes: doc.getText('notes').toString() };
}

describe('two SessionClients', () => {
  it('walk OFFLINE → CONNECTING → SYNCING → SYNCED for every doc', async () => {
    const a = client(await createTestSession(server.url, ['gm', 'player']));
    const log = recordTransitions(a);
    expect(a.syncState.get()).toBe(SyncState.OFFLINE);
    await a.whenSynced();
    for (const doc of a.docNames) {
      expect(log.filter((t) => t.doc === doc).map((t) => t.to)).toEqual([SyncState.CONNECTING, SyncState.SYNCING, SyncState.SYNCED]);
    }
    expect(a.syncState.get()).toBe(SyncState.SYNCED);
  });

  it('converge on random concurrent edits to maps, arrays and text, online and offline', async () => {
    const sess = await createTestSession(server.url, ['gm', 'player']);
    const a = client(sess);
    const b = client(sess);
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    const random = seededRandom(20240601);
    for (let round = 0; round < 6; round++) {
      // Every other round one side edits offline, so merges happen both live and on reconnect.
      const offline = round % 2 === 1 ? (round % 4 === 1 ? a : b) : null;
      offline?.disconnect();
      for (let i = 0; i < 40; i++) {
        const who = random() < 0.5 ? a : b;
        const docName = a.docNames[random() < 0.7 ? 0 : 1]!;
        randomEdit(who.doc(docName), random, who === a ? 'A' : 'B');
      }
      offline?.connect();
      await Promise.all([a.whenSynced(), b.whenSynced()]);
      await waitFor(
        () => a.docNames.every((d) => Y.encodeStateVector(a.doc(d)).toString() === Y.encodeStateVector(b.doc(d)).toString()),
        `round ${round} state vectors`,
      );
    }
    await Promise.all([a.whenSaved(), b.whenSaved()]);
    for (const d of a.docNames) {
      expect(snapshotOf(a.doc(d))).toEqual(snapshotOf(b.doc(d)));
    }
    expect(a.doc('gm').getText('notes').length + a.doc('gm').getArray('order').length).toBeGreaterThan(0);

    // The server holds all of it durably: a newcomer sees the same content.
    const c = client(sess);
    await c.whenSynced();
    for (const d of a.docNames) expect(snapshotOf(c.doc(d))).toEqual(snapshotOf(a.doc(d)));
    expect(a.driftCount.get() + b.driftCount.get()).toBe(0);
  });
});
