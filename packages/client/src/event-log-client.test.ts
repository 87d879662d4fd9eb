import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { TABLE_DOC_SCHEMA, applyPatchToDoc, type JsonObject } from '@dungeon-lab/events';
import { encodeMessage, type ProtocolMessage } from '@dungeon-lab/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { chatTexts } from './event-log.fixture.ts';
import { INTENTS_META_KEY } from './event-log-meta.ts';
import { fakeJwt } from './jwt.fixture.ts';
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
  token: 'not-a-jwt',
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
    expect(second.channel('table').url).not.toMatch(/seq=/);
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
    const meta = store.record('dungeon-lab/alice/sessions/early/table').meta.get(INTENTS_META_KEY)!;
    expect((JSON.parse(meta) as { intents: Array<{ intent: { id: string } }> }).intents.map((s) => s.intent.id)).toEqual([stored.id, early.id]);
    await second.destroy();
  });

  it('[EQ10][EQ11] acts as the token\'s sub; the token travels as a subprotocol (default) or as a query parameter, the last sequence on the table socket', async () => {
    const token = fakeJwt({ sub: 'dev-mira', exp: 4_000_000_000 });
    const base = { ...options(memoryPersistence(), 'params'), docs: ['table', 'players/dev-mira'], token, userId: undefined, params: { extra: 'x' } };
    const c = new SessionClient(base);
    expect(c.identity.get()).toEqual({ userId: 'dev-mira', role: null });
    await c.ready;
    c.connect();
    c.disconnect();
    expect(c.channel('table').url).toMatch(/\?(?=.*extra=x)(?=.*seq=0)(?=.*dl=1)/);
    expect(c.channel('table').url).not.toMatch(/token=/);
    expect(c.channel('table').protocols).toEqual(['dl-v1', `dl-token.${token}`]);
    expect(c.channel('players/dev-mira').room).toBe('sessions/params/players/dev-mira');
    expect(c.channel('players/dev-mira').url).not.toMatch(/seq=/);
    await c.destroy();

    const q = new SessionClient({ ...base, tokenTransport: 'query', userId: 'someone-else' });
    expect(q.identity.get().userId).toBe('someone-else');
    await q.ready;
    q.connect();
    q.disconnect();
    expect(q.channel('table').url).toContain(`token=${token}`);
    expect(q.channel('table').protocols).toEqual([]);
    await q.destroy();
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

describe('the view and its structural sharing', () => {
  it('[EQ23] a remote change renews only its path; a pending prediction copies only what it writes', async () => {
    const c = new SessionClient(options(memoryPersistence(), 'sharing'));
    await c.ready;
    // A peer's doc whose edits reach the client as remote updates.
    const peer = new Y.Doc();
    peer.on('update', (update: Uint8Array) => Y.applyUpdate(c.doc('table'), update, 'remote'));
    peer.transact(() =>
      applyPatchToDoc(peer, TABLE_DOC_SCHEMA, [
        ...['A', 'B', 'C'].map((id) => ({ op: 'add' as const, path: `/tokens/${id}`, value: { x: 1, y: 1 } })),
        { op: 'add', path: '/actors/hero', value: { hp: { value: 3 } } },
        { op: 'add', path: '/chat/-', value: { id: 'm1', text: 'hi' } },
      ]),
    );
    type View = JsonObject & { tokens: Record<string, JsonObject>; chat: JsonObject[] };
    const base = c.view.get() as View;

    c.intents.submit('token:move', { tokenId: 'A', x: 4, y: 4 });
    const predicted = c.view.get() as View;
    expect(predicted.tokens.A).toMatchObject({ x: 4, y: 4 });
    expect(predicted.tokens.B).toBe(base.tokens.B);
    expect(predicted.actors).toBe(base.actors);
    expect(predicted.chat).toBe(base.chat);

    peer.getMap<Y.Map<number>>('tokens').get('C')!.set('x', 9);
    const remote = c.view.get() as View;
    expect(remote.tokens.C).toMatchObject({ x: 9 });
    expect(remote.tokens.A).toMatchObject({ x: 4 });
    expect(remote.tokens.B).toBe(base.tokens.B);
    expect(remote.actors).toBe(base.actors);
    expect(remote.chat[0]).toBe(base.chat[0]);
    await c.destroy();
  });
});

/** Hands one server message to the client's table channel, as if its socket had delivered it. */
function receive(c: SessionClient, msg: ProtocolMessage): void {
  c.channel('table').receive(encodeMessage(msg));
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

describe('approvals and the log (frames handed to the client directly)', () => {
  const CHECKSUM = `sha256:${'0'.repeat(64)}`;
  const logEntry = (sequence: number, id: string, status: string, type = 'chat:message', payload: unknown = { text: 'x' }) => ({
    event: { id, sequence, timestamp: sequence, type, payload, userId: 'bob', sessionId: 'frames', checksum: CHECKSUM },
    status,
    patch: [],
  });
  const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  it('[EQ14][EQ17] approval-requested fills the list and the log; approval-resolved empties it and marks the entry', async () => {
    const c = new SessionClient(options(memoryPersistence(), 'frames'));
    await c.ready;
    const notified: number[][] = [];
    c.approvals.subscribe((list) => notified.push(list.map((r) => r.entry.event.sequence)));
    receive(c, { type: 'approval-requested', approvals: [{ entry: logEntry(3, uuid(3), 'awaiting-approval'), summary: 'dies', current: {} }, { bogus: 1 }] });
    expect(c.approvals.get().map((r) => r.summary)).toEqual(['dies']);
    expect(c.log.get()).toEqual([expect.objectContaining({ sequence: 3, status: 'awaiting-approval' })]);
    receive(c, {
      type: 'approval-resolved',
      resolutions: [{ sequence: 3, id: uuid(3), decision: 'denied', resolvedBy: 'gm', reason: 'no', resolutionSequence: 4, edited: false }],
    });
    expect(c.approvals.get()).toEqual([]);
    expect(notified).toEqual([[3], []]);
    expect(c.log.get()).toEqual([expect.objectContaining({ sequence: 3, status: 'denied', reason: 'no', resolvedBy: 'gm' })]);
    await c.destroy();
  });

  it('[EQ15] an own intent awaiting approval is decided by the approval:resolve entry a catch-up brings', async () => {
    const c = new SessionClient(options(memoryPersistence(), 'frames-catch-up'));
    await c.ready;
    const decided: string[] = [];
    c.intents.on('decided', (e) => decided.push(`${e.decision}:${e.reason}:${e.resolvedBy}`));
    const { id } = c.intents.submit('chat:message', { text: 'critical' });
    receive(c, { type: 'intent-ack', acks: [{ id, success: true, sequence: 1, status: 'awaiting-approval' }] });
    expect(c.pendingIntents.get().map((p) => p.state)).toEqual(['awaiting-approval']);
    receive(c, {
      type: 'catch-up-response',
      entries: [logEntry(2, uuid(2), 'applied', 'approval:resolve', { sequence: 1, id, decision: 'denied', reason: 'too soon', edited: false })],
      latest: 2,
      skipped: false,
    });
    expect(decided).toEqual(['denied:too soon:bob']);
    expect(c.pendingIntents.get()).toEqual([]);
    expect(c.log.get().map((e) => [e.sequence, e.status, e.source])).toEqual([
      [1, 'denied', 'ack'],
      [2, 'applied', 'catch-up'],
    ]);
    await c.destroy();
  });

  it('[EQ9] a redacted entry (a player\'s view of a GM-only event) counts as seen and shows nowhere', async () => {
    const c = new SessionClient(options(memoryPersistence(), 'frames-redacted'));
    await c.ready;
    const applied: number[] = [];
    c.intents.on('applied', (e) => applied.push(e.entry.event.sequence));
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e.error));
    receive(c, { type: 'event-applied', entries: [logEntry(1, uuid(1), 'applied'), { sequence: 2, redacted: true }, logEntry(3, uuid(3), 'applied')] });
    expect(applied).toEqual([1, 3]);
    expect(c.intents.lastSequence.get()).toBe(3);
    expect(c.log.get().map((e) => e.sequence)).toEqual([1, 3]);
    expect(errors).toEqual([]);
    await c.destroy();
  });
});
