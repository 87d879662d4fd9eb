/**
 * Two servers (`createServer`, real sockets, stock y-websocket clients) on
 * one redis-server, each with its own RedisBus and RedisLease: two processes
 * of one deployment. Runs on REDIS_URL when it is set (nothing here kills
 * Redis).
 */
import type { DungeonLabServer } from '@dungeon-lab/server';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { until } from './redis-bus.test-kit.ts';
import { serversPerFile } from './two-servers.test-kit.ts';

const { cleanups, levelStore, startServers, api, signIn, provider } = serversPerFile(true);

function sameState(a: Y.Doc, b: Y.Doc): boolean {
  return Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)));
}

/**
 * A writer on A edits without pause; joiners come to B, whose room is not
 * loaded yet, at several moments of it. Each must end with exactly the
 * writer's document: nothing missing, nothing pending.
 */
async function joinDuringHeavyWrites(a: DungeonLabServer, b: DungeonLabServer): Promise<void> {
  const room = 'heavy';
  const writer = await provider(a, room, 'writer');
  await until(() => writer.synced, 'writer synced');
  const text = writer.doc.getText('log');
  const map = writer.doc.getMap('cells');
  let writing = true;
  const writes = (async () => {
    for (let i = 0; writing; i++) {
      text.insert(text.length, `${i % 10}`);
      map.set(`c${i % 500}`, i);
      // About a thousand updates a second: heavy for a table, and within the stream's MAXLEN ~ 10,000 over the test ([RS2]).
      if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  // Longer than the bus's clock-skew margin (1 s): what was written before the first joiner is not caught by that margin alone.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const joiners: WebsocketProvider[] = [];
  for (let j = 0; j < 3; j++) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    joiners.push(await provider(b, room, `joiner${j}`));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  writing = false;
  await writes;
  expect(text.length).toBeGreaterThan(500);
  for (const joiner of joiners) {
    await until(() => joiner.synced && sameState(joiner.doc, writer.doc), 'a joiner with the writer\'s whole document');
    expect(joiner.doc.getText('log').toString()).toBe(text.toString());
    expect(joiner.doc.store.pendingStructs).toBeNull();
  }
}

describe('two servers on one Redis', () => {
  it('[MP1][RS2] an edit on one server reaches the other\'s stock y-websocket client, and presence crosses too', async () => {
    const store = await levelStore();
    const [a, b] = await startServers([store, store]);
    const onA = await provider(a!, 'table', 'alice');
    const onB = await provider(b!, 'table', 'bob');
    await until(() => onA.synced && onB.synced, 'both synced');
    onA.doc.getMap('scene').set('a', 1);
    await until(() => onB.doc.getMap('scene').get('a') === 1, 'A\'s edit at B');
    onB.doc.getArray('chat').push(['from b']);
    await until(() => onA.doc.getArray('chat').length === 1, 'B\'s edit at A');
    onA.awareness.setLocalStateField('cursor', { x: 3 });
    await until(() => [...onB.awareness.getStates().values()].some((s) => (s as { cursor?: { x: number } }).cursor?.x === 3), 'A\'s presence at B');
  });

  it('[MP2][A15] a member removed through one server loses their socket on the other within a second', async () => {
    const store = await levelStore();
    const [a, b] = await startServers([store, store]);
    const gm = await signIn(a!, 'gm');
    const session = (await api<{ id: string; joinCode: string }>(a!, 'POST', '/api/sessions', gm.token, { name: 'two servers' })).body;
    const bob = await signIn(b!, 'bob');
    expect((await api(b!, 'POST', `/api/sessions/${session.id}/join`, bob.token, { joinCode: session.joinCode })).status).toBe(200);
    const socket = new WebSocket(`${b!.url.replace(/^http/, 'ws')}/sessions/${session.id}/table?token=${bob.token}`);
    cleanups.push(() => socket.terminate());
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<{ code: number; at: number }>((resolve) => socket.once('close', (code) => resolve({ code, at: Date.now() })));
    const removedAt = Date.now();
    expect((await api(a!, 'DELETE', `/api/sessions/${session.id}/members/${bob.userId}`, gm.token)).status).toBe(200);
    const { code, at } = await closed;
    expect(code).toBe(4410);
    expect(at - removedAt).toBeLessThan(1_000);
  });

  it('[IN1][RS7] an intent sent to the server that does not sequence its session is forwarded through Redis and acked; once the holder is gone the other takes over', async () => {
    const store = await levelStore();
    const [a, b] = await startServers([store, store]);
    const gm = await signIn(a!, 'gm');
    const session = (await api<{ id: string; joinCode: string }>(a!, 'POST', '/api/sessions', gm.token, { name: 'intents' })).body;
    const chat = (text: string) => ({ id: randomUUID(), type: 'chat:message', payload: { text } });
    // A takes the lease with the first intent.
    const first = await api<Array<{ success: boolean; sequence?: number }>>(a!, 'POST', `/api/sessions/${session.id}/events`, gm.token, [chat('one')]);
    expect(first.body).toEqual([expect.objectContaining({ success: true, sequence: 1 })]);
    // B holds no lease: it forwards to A and answers with A's ack.
    const forwarded = await api<Array<{ success: boolean; sequence?: number }>>(b!, 'POST', `/api/sessions/${session.id}/events`, gm.token, [chat('two')]);
    expect(forwarded.status).toBe(200);
    expect(forwarded.body).toEqual([expect.objectContaining({ success: true, sequence: 2 })]);
    // A shuts down (releasing its lease): B sequences from then on.
    await a!.close();
    const taken = await api<Array<{ success: boolean; sequence?: number }>>(b!, 'POST', `/api/sessions/${session.id}/events`, gm.token, [chat('three')]);
    expect(taken.body).toEqual([expect.objectContaining({ success: true, sequence: 3 })]);
  });

  it('[BUS8] a joiner on another server during heavy writing gets the complete document: one shared store', async () => {
    const store = await levelStore();
    const [a, b] = await startServers([store, store]);
    await joinDuringHeavyWrites(a!, b!);
  });

  it('[BUS8] a joiner on another server during heavy writing gets the complete document: a store per server, the stream\'s replay is all B has', async () => {
    const [a, b] = await startServers([await levelStore(), await levelStore()]);
    await joinDuringHeavyWrites(a!, b!);
  });
});
