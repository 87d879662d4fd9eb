import { isDeepStrictEqual } from 'node:util';
import { encodeMessage } from '@dungeon-lab/protocol';
import { seededRandom as prng } from '@dungeon-lab/testing';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { connectProvider, type RunningServer, startServer, synced, waitFor } from './helpers.ts';
import { testToken } from './test-identity.ts';

let running: RunningServer | undefined;
const providers: Array<{ destroy(): void }> = [];

afterEach(async () => {
  for (const p of providers.splice(0)) p.destroy();
  await running?.dispose();
  running = undefined;
});

function snapshotOf(doc: Y.Doc): unknown {
  return {
    map: doc.getMap('tokens').toJSON(),
    list: doc.getArray('chat').toJSON(),
    text: doc.getText('notes').toString(),
  };
}


function randomEdit(doc: Y.Doc, rand: () => number, who: string): void {
  const r = rand();
  if (r < 0.4) {
    doc.getMap('tokens').set(`token-${Math.floor(rand() * 10)}`, { x: Math.floor(rand() * 100), y: Math.floor(rand() * 100), by: who });
  } else if (r < 0.6) {
    const chat = doc.getArray<string>('chat');
    chat.insert(Math.floor(rand() * (chat.length + 1)), [`${who}: ${Math.floor(rand() * 1e6)}`]);
  } else if (r < 0.7 && doc.getArray('chat').length > 0) {
    const chat = doc.getArray('chat');
    chat.delete(Math.floor(rand() * chat.length), 1);
  } else if (r < 0.9) {
    const text = doc.getText('notes');
    text.insert(Math.floor(rand() * (text.length + 1)), who);
  } else if (doc.getText('notes').length > 2) {
    const text = doc.getText('notes');
    text.delete(Math.floor(rand() * (text.length - 1)), 1);
  } else {
    doc.getMap('tokens').delete(`token-${Math.floor(rand() * 10)}`);
  }
}

describe('sync with stock y-websocket clients', () => {
  it('[P2] two unmodified WebsocketProviders converge on random concurrent edits of maps, arrays and text', async () => {
    running = await startServer();
    // A room without write rules: these edits are anything but what a session table allows ([W…]).
    const a = connectProvider(running.wsUrl, 'converge/table');
    const b = connectProvider(running.wsUrl, 'converge/table');
    providers.push(a, b);
    await Promise.all([synced(a), synced(b)]);
    const randA = prng(1);
    const randB = prng(2);
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 5; i++) randomEdit(a.doc, randA, 'a');
      for (let i = 0; i < 5; i++) randomEdit(b.doc, randB, 'b');
      if (round % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(
      () => isDeepStrictEqual(snapshotOf(a.doc), snapshotOf(b.doc)),
      10_000,
      'convergence',
    );
    // A third, late client gets the same state from the server alone.
    const c = connectProvider(running.wsUrl, 'converge/table');
    providers.push(c);
    await synced(c);
    await waitFor(() => isDeepStrictEqual(snapshotOf(c.doc), snapshotOf(a.doc)), 5_000, 'late joiner');
    expect(a.doc.getMap('tokens').size + a.doc.getArray('chat').length).toBeGreaterThan(0);
  });

  it('[P2] rooms are URL paths and are isolated from each other', async () => {
    running = await startServer();
    const a = connectProvider(running.wsUrl, 'room-a');
    const b = connectProvider(running.wsUrl, 'room-b');
    providers.push(a, b);
    await Promise.all([synced(a), synced(b)]);
    a.doc.getMap('m').set('k', 'only-a');
    const a2 = connectProvider(running.wsUrl, 'room-a');
    providers.push(a2);
    await synced(a2);
    await waitFor(() => a2.doc.getMap('m').get('k') === 'only-a', 5_000, 'room-a state');
    expect(b.doc.getMap('m').get('k')).toBeUndefined();
  });

  it('[P4] an update is echoed to its sender, one message per frame', async () => {
    running = await startServer();
    const ws = new WebSocket(`${running.wsUrl}/echo-room?token=${testToken('tester')}`);
    const frames: Uint8Array[] = [];
    ws.on('message', (data: Buffer) => frames.push(new Uint8Array(data)));
    await new Promise((r) => ws.once('open', r));
    const doc = new Y.Doc();
    doc.getMap('m').set('x', 1);
    const update = Y.encodeStateAsUpdate(doc);
    ws.send(encodeMessage({ type: 'sync-update', update }));
    await waitFor(() => frames.some((f) => f[0] === 0 && f[1] === 2), 5_000, 'echo');
    const echoed = frames.find((f) => f[0] === 0 && f[1] === 2)!;
    const mirror = new Y.Doc();
    Y.applyUpdate(mirror, echoed.subarray(2 + (echoed[2]! < 128 ? 1 : 2)));
    expect(mirror.getMap('m').get('x')).toBe(1);
    ws.close();
  });

  it('[P2] awareness propagates, answers query-awareness, and is removed when a client leaves', async () => {
    running = await startServer();
    const a = connectProvider(running.wsUrl, 'aw');
    const b = connectProvider(running.wsUrl, 'aw');
    providers.push(a, b);
    await Promise.all([synced(a), synced(b)]);
    a.awareness.setLocalStateField('cursor', { x: 3, y: 4 });
    await waitFor(() => b.awareness.getStates().get(a.doc.clientID)?.cursor?.x === 3, 5_000, 'awareness at b');
    // A fresh socket asking with query-awareness gets a's state.
    const ws = new WebSocket(`${running.wsUrl}/aw?token=${testToken('tester')}`);
    const frames: Uint8Array[] = [];
    ws.on('message', (data: Buffer) => frames.push(new Uint8Array(data)));
    await new Promise((r) => ws.once('open', r));
    frames.length = 0;
    ws.send(encodeMessage({ type: 'query-awareness' }));
    await waitFor(() => frames.some((f) => f[0] === 1), 5_000, 'awareness answer');
    ws.close();
    a.destroy();
    await waitFor(() => !b.awareness.getStates().has(a.doc.clientID), 5_000, 'awareness removal');
  });
});
