import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { encodeMessage, type ProtocolMessage } from '@dungeon-lab/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { chatTexts } from './event-log.fixture.ts';
import { INTENTS_META_KEY } from './event-log-meta.ts';
import { indexedDbPersistence } from './indexeddb-persistence.ts';
import { MemoryPersistenceStore, memoryPersistence } from './memory-persistence.ts';
import { filePersistence } from './node/file-persistence.ts';
import type { DocPersistenceFactory } from './persistence.ts';
import { SessionClient, type SessionClientOptions } from './session-client.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dl-client-queue-'));
  Object.assign(globalThis, { indexedDB, IDBKeyRange });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  delete (globalThis as Record<string, unknown>).indexedDB;
  delete (globalThis as Record<string, unknown>).IDBKeyRange;
});

// Never connects: port 9 on loopback, and connect: false.
const options = (persistence: DocPersistenceFactory, sessionId: string): SessionClientOptions => ({
  serverUrl: 'http://127.0.0.1:9',
  sessionId,
  docs: ['table'],
  WebSocketPolyfill: WebSocket,
  persistence,
  connect: false,
  userId: 'alice',
});

const memory = new MemoryPersistenceStore();
const backends: Array<[string, () => DocPersistenceFactory]> = [
  ['memory', () => memoryPersistence(memory)],
  ['file', () => filePersistence({ dir })],
  ['indexeddb', () => indexedDbPersistence()],
];
let counter = 0;

describe.each(backends)('event queue on %s persistence', (_label, factory) => {
  it('[EQ1] keeps offline intents, their order and their predictions across a reload', async () => {
    const sessionId = `reload-${++counter}`;
    const first = new SessionClient(options(factory(), sessionId));
    await first.ready;
    const a = first.intents.submit('chat:message', { text: 'one' });
    const b = first.intents.submit('chat:message', { text: 'two' }, { priority: false });
    const c = first.intents.submit('token:move', { tokenId: 'nowhere', x: 1, y: 1 });
    expect(first.pendingIntents.get().map((p) => p.state)).toEqual(['queued', 'queued', 'queued']);
    expect(chatTexts(first.view.get())).toEqual(['one', 'two']);
    await first.destroy();

    const second = new SessionClient(options(factory(), sessionId));
    await second.ready;
    expect(second.pendingIntents.get().map((p) => [p.intent.id, p.priority, p.state])).toEqual([
      [a.id, true, 'queued'],
      [b.id, false, 'queued'],
      [c.id, false, 'queued'],
    ]);
    expect(chatTexts(second.view.get())).toEqual(['one', 'two']);
    // Submitted after the reload: behind the restored ones.
    const d = second.intents.submit('chat:message', { text: 'three' });
    expect(second.pendingIntents.get().map((p) => p.intent.id)).toEqual([a.id, b.id, c.id, d.id]);
    expect(second.provider('table').url).not.toMatch(/seq=/);
    await second.destroy();
  });
});

describe('SessionClient intents', () => {
  it('[EQ1] submissions made before local storage has loaded are kept, behind the stored ones', async () => {
    const store = new MemoryPersistenceStore();
    const first = new SessionClient(options(memoryPersistence(store), 'early'));
    await first.ready;
    const stored = first.intents.submit('chat:message', { text: 'stored' });
    await first.destroy();

    const second = new SessionClient(options(memoryPersistence(store), 'early'));
    const early = second.intents.submit('chat:message', { text: 'early' });
    await second.ready;
    await second.intents.whenStored();
    expect(second.pendingIntents.get().map((p) => p.intent.id)).toEqual([stored.id, early.id]);
    const meta = store.record('dungeon-lab/sessions/early/table').meta.get(INTENTS_META_KEY)!;
    expect((JSON.parse(meta) as { intents: Array<{ intent: { id: string } }> }).intents.map((s) => s.intent.id)).toEqual([stored.id, early.id]);
    await second.destroy();
  });

  it('[EQ10] names the user on every socket and the last sequence on the table socket', async () => {
    const c = new SessionClient({ ...options(memoryPersistence(), 'params'), docs: ['table', 'notes'], params: { token: 't' } });
    await c.ready;
    c.connect();
    c.disconnect();
    expect(c.provider('table').url).toMatch(/\?(?=.*token=t)(?=.*user=alice)(?=.*seq=0)(?=.*dl=1)/);
    expect(c.provider('notes').url).toMatch(/user=alice/);
    expect(c.provider('notes').url).not.toMatch(/seq=/);
    await c.destroy();
  });

  it('has no event log without a table doc', async () => {
    const c = new SessionClient({ ...options(memoryPersistence(), 'no-table'), docs: ['notes'] });
    expect(() => c.intents).toThrow(RangeError);
    expect(() => c.view).toThrow(RangeError);
    await c.destroy();
  });

  it('throws for a payload that is not JSON and after destroy', async () => {
    const c = new SessionClient(options(memoryPersistence(), 'bad'));
    expect(() => c.intents.submit('chat:message', { text: 'x', n: Number.NaN })).toThrow();
    await c.destroy();
    expect(() => c.intents.submit('chat:message', { text: 'x' })).toThrow(/destroyed/);
  });
});

/** Hands one server message to the client's table-socket handler, as y-websocket would on receipt. */
function receive(c: SessionClient, msg: ProtocolMessage): void {
  const provider = c.provider('table');
  const decoder = decoding.createDecoder(encodeMessage(msg));
  const type = decoding.readVarUint(decoder);
  provider.messageHandlers[type]!(encoding.createEncoder(), decoder, provider, true, type);
}

describe('acks and the overlay (frames handed to the client directly)', () => {
  it('[EQ8] an ack ahead of the doc keeps the prediction until the doc reaches its sequence', async () => {
    const c = new SessionClient(options(memoryPersistence(), 'ahead'));
    await c.ready;
    const { id, result } = c.intents.submit('chat:message', { text: 'hi' });
    receive(c, { type: 'intent-ack', acks: [{ id, success: true, sequence: 1 }] });
    expect(await result).toEqual({ id, success: true, sequence: 1 });
    expect(c.pendingIntents.get()).toEqual([]);
    expect(chatTexts(c.view.get())).toEqual(['hi']);
    const doc = c.doc('table');
    doc.transact(() => {
      const entry = new Y.Map<unknown>();
      entry.set('id', id);
      entry.set('text', 'hi');
      doc.getArray('chat').push([entry]);
      doc.getMap('meta').set('sequence', 1);
    });
    expect(chatTexts(c.view.get())).toEqual(['hi']);
    expect((c.view.get().chat as Array<{ id: string }>)[0]).toEqual({ id, text: 'hi' });
    expect(c.intents.lastSequence.get()).toBe(1);
    await c.destroy();
  });

  it('[EQ5][EL13] an intent sequenced for GM approval settles and its prediction goes: the doc is untouched', async () => {
    const c = new SessionClient(options(memoryPersistence(), 'approval'));
    await c.ready;
    const acks: string[] = [];
    c.intents.on('ack', (e) => acks.push(`${e.id}:${e.status}`));
    const { id, result } = c.intents.submit('chat:message', { text: 'dying' });
    receive(c, { type: 'intent-ack', acks: [{ id, success: true, sequence: 3, status: 'awaiting-approval' }] });
    expect(await result).toEqual({ id, success: true, sequence: 3, status: 'awaiting-approval' });
    expect(acks).toEqual([`${id}:awaiting-approval`]);
    expect(chatTexts(c.view.get())).toEqual([]);
    await c.destroy();
  });

  it('[EQ5] a log entry of an own queued intent counts as its ack and is not reported as applied', async () => {
    const c = new SessionClient(options(memoryPersistence(), 'entry-ack'));
    await c.ready;
    const applied: number[] = [];
    c.intents.on('applied', (e) => applied.push(e.entry.event.sequence));
    const { id, result } = c.intents.submit('chat:message', { text: 'mine' });
    const entry = (sequence: number, eventId: string) => ({
      event: { id: eventId, sequence, timestamp: 1, type: 'chat:message', payload: { text: 'x' }, userId: 'alice', sessionId: 'entry-ack', checksum: `sha256:${'0'.repeat(64)}` },
      status: 'applied',
      patch: [],
    });
    receive(c, { type: 'event-applied', entries: [entry(1, '00000000-0000-4000-8000-000000000001'), entry(2, id)] });
    expect(await result).toEqual({ id, success: true, sequence: 2 });
    expect(applied).toEqual([1]);
    expect(c.intents.lastSequence.get()).toBe(2);
    await c.destroy();
  });
});
