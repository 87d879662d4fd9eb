import { MessageType, encodeMessage } from '@dungeon-lab/protocol';
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { memoryPersistence } from './memory-persistence.ts';
import { SessionClient, roomName, type SessionClientOptions } from './session-client.ts';
import { SyncState } from './sync-state.ts';

// Port 9 (discard) on loopback: nothing listens, and these tests never connect anyway.
const base: SessionClientOptions = {
  serverUrl: 'http://127.0.0.1:9',
  sessionId: 's1',
  docs: ['table', 'chat'],
  WebSocketPolyfill: WebSocket,
  persistence: memoryPersistence(),
  connect: false,
  token: 'unused',
  userId: 'u1',
};

describe('SessionClient', () => {
  it('owns one doc per name and names rooms after the session', async () => {
    const c = new SessionClient(base);
    expect(c.doc('table')).not.toBe(c.doc('chat'));
    expect(c.channel('table').room).toBe('sessions/s1/table');
    expect(c.channel('chat').url).toBe('ws://127.0.0.1:9/sessions/s1/chat?dl=1');
    expect(() => c.doc('nope')).toThrow(RangeError);
    expect(roomName('a b', 'x')).toBe('sessions/a%20b/x');
    await c.destroy();
  });

  it('rejects names that would escape their room path, and bad URLs', () => {
    expect(() => new SessionClient({ ...base, sessionId: 'a/b' })).toThrow(TypeError);
    expect(() => new SessionClient({ ...base, docs: ['x', 'x'] })).toThrow(TypeError);
    expect(() => new SessionClient({ ...base, docs: [] })).toThrow(TypeError);
    expect(() => new SessionClient({ ...base, docs: ['../up'] })).toThrow(TypeError);
    expect(() => new SessionClient({ ...base, serverUrl: 'ftp://example.com' })).toThrow(TypeError);
  });

  it('exposes state as unbound get/subscribe pairs, as useSyncExternalStore wants', async () => {
    const c = new SessionClient(base);
    await c.ready;
    const { get, subscribe } = c.pendingChanges;
    const seen: number[] = [];
    const unsubscribe = subscribe(() => seen.push(get()));
    c.doc('table').getMap('m').set('a', 1);
    c.doc('chat').getArray('l').push([1]);
    unsubscribe();
    c.doc('chat').getArray('l').push([2]);
    expect(seen).toEqual([1, 2]);
    expect(get()).toBe(3);
    expect(c.docPendingChanges('chat').get()).toBe(2);
    expect(c.syncState.get()).toBe(SyncState.OFFLINE);
    await c.destroy();
  });

  it('rejects whenSynced when destroyed first', async () => {
    const c = new SessionClient(base);
    const synced = c.whenSynced();
    await c.destroy();
    await expect(synced).rejects.toThrow(/destroyed/);
    await expect(c.whenSynced()).rejects.toThrow(/destroyed/);
  });

  it('[EQ19] reports an edit the server refused (auth-denied) as write-denied, instead of only logging it', async () => {
    const c = new SessionClient(base);
    const denied: Array<{ doc: string; reason: string }> = [];
    c.on('write-denied', (e) => denied.push(e));
    const frame = encodeMessage({ type: 'auth-denied', reason: 'W4: placing, removing and assigning tokens' });
    expect(decoding.readVarUint(decoding.createDecoder(frame))).toBe(MessageType.Auth);
    c.channel('chat').receive(frame);
    expect(denied).toEqual([{ doc: 'chat', reason: 'W4: placing, removing and assigning tokens' }]);
    await c.destroy();
  });
});
