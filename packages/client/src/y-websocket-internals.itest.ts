import { MessageType, PROTOCOL_VERSION, SIDECAR_QUERY_PARAM, decodeMessage } from '@dungeon-lab/protocol';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { moveAwareness } from './awareness-identity.ts';
import { connectionCredentials } from './connection-credentials.ts';
import { countUpgrades, createTestSession, startTestServer, waitFor } from './server-harness.fixture.ts';
import { roomName } from './session-client.ts';

/**
 * SidecarChannel is the one module that uses y-websocket's provider beyond
 * its documented options, and this file pins exactly what it relies on, on a
 * real server: a y-websocket upgrade that changes any of it fails here, by name.
 */

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Handler = WebsocketProvider['messageHandlers'][number];
const WebSocketPolyfill = WebSocket as unknown as typeof globalThis.WebSocket;

async function gmProvider(doc = new Y.Doc()) {
  const server = await startTestServer({ checksumIntervalMs: 0 });
  cleanups.push(() => server.dispose());
  const sess = await createTestSession(server.url, ['gm']);
  const provider = new WebsocketProvider(server.url.replace('http:', 'ws:'), roomName(sess.id, 'gm'), doc, {
    connect: false,
    disableBc: true,
    WebSocketPolyfill,
  });
  cleanups.push(() => provider.destroy());
  const statuses: string[] = [];
  provider.on('status', ({ status }) => statuses.push(status));
  provider.on('connection-close', (event) => statuses.push(`close:${event === null ? 'null' : event.code}`));
  const { params, protocols } = connectionCredentials(sess.gm.token, 'subprotocol');
  // [EQ21] read before every socket: the channel sets them right before connect().
  provider.params = { ...params, [SIDECAR_QUERY_PARAM]: String(PROTOCOL_VERSION) };
  provider.protocols = protocols;
  const synced = new Promise<void>((resolve) => provider.once('sync', () => resolve()));
  return { server, sess, provider, statuses, synced };
}

describe('[EQ21] the y-websocket provider internals SidecarChannel relies on', () => {
  it('messageHandlers: an own mutable table per provider, indexed by message type, called (encoder, decoder after the type, provider, emitSynced, type)', async () => {
    const a = new WebsocketProvider('ws://127.0.0.1:9', 'a', new Y.Doc(), { connect: false, disableBc: true, WebSocketPolyfill });
    const b = new WebsocketProvider('ws://127.0.0.1:9', 'b', new Y.Doc(), { connect: false, disableBc: true, WebSocketPolyfill });
    cleanups.push(() => a.destroy(), () => b.destroy());
    expect(Array.isArray(a.messageHandlers)).toBe(true);
    expect(a.messageHandlers).not.toBe(b.messageHandlers);
    for (const type of [MessageType.Sync, MessageType.Awareness, MessageType.Auth, MessageType.QueryAwareness]) {
      expect(typeof a.messageHandlers[type]).toBe('function');
    }

    const { provider, synced } = await gmProvider();
    const calls: Array<{ type: string; pos: number; provider: unknown; emitSynced: boolean; messageType: number }> = [];
    const saved: Handler = (encoder, decoder, p, emitSynced, messageType) => {
      calls.push({ type: decodeMessage(decoder.arr).type, pos: decoder.pos, provider: p, emitSynced, messageType });
      decoder.pos = decoder.arr.length;
      expect(encoding.length(encoder)).toBe(0);
    };
    provider.messageHandlers[MessageType.Saved] = saved;
    provider.connect();
    await synced;
    provider.doc.getMap('tokens').set('t', 1);
    await waitFor(() => calls.length > 0, 'a saved frame through the table');
    expect(calls[0]).toEqual({ type: 'saved', pos: 1, provider, emitSynced: true, messageType: MessageType.Saved });
  });

  it('ws, wsconnected, status and connection-close: the close comes first, with the CloseEvent or null when closed locally; shouldConnect = false in it stops the retry', async () => {
    const { server, provider, statuses, synced } = await gmProvider();
    const upgrades = countUpgrades(server);
    provider.on('connection-close', () => {
      provider.shouldConnect = false;
    });
    provider.connect();
    await synced;
    expect(provider.wsconnected).toBe(true);
    expect(provider.ws?.readyState).toBe(1);
    expect(provider.url).toContain(`${SIDECAR_QUERY_PARAM}=${PROTOCOL_VERSION}`);
    expect(provider.ws?.protocol).toBe('dl-v1');
    const before = upgrades.count();

    provider.ws!.close();
    await waitFor(() => statuses.includes('disconnected'), 'disconnected');
    expect(statuses).toEqual(['connecting', 'connected', 'close:1005', 'disconnected']);
    expect(provider.ws).toBeNull();
    // y-websocket schedules its retry at 200 ms; shouldConnect = false makes it a no-op.
    await new Promise((r) => setTimeout(r, 600));
    expect(upgrades.count()).toBe(before);

    provider.connect();
    await waitFor(() => provider.wsconnected, 'connected again');
    provider.disconnect();
    expect(statuses.slice(4)).toEqual(['connecting', 'connected', 'close:null', 'disconnected']);
  });

  it('doc and _updateHandler: swapping them moves sync and relaying to the new doc; remote updates carry the provider as origin and are not relayed back', async () => {
    const first = new Y.Doc();
    const { provider, synced, sess, server } = await gmProvider(first);
    provider.connect();
    await synced;

    const second = new Y.Doc();
    first.off('update', provider._updateHandler);
    provider.doc = second;
    second.on('update', provider._updateHandler);
    // Presence is announced under provider.doc.clientID (destroy() encodes the state under it): it moves along.
    moveAwareness(provider.awareness, second.clientID);
    first.getMap('tokens').set('old', 1);
    second.getMap('tokens').set('new', 2);

    // Another client of the room sees only the new doc's edit, and its own edit reaches the new doc through the sync handler.
    const other = new WebsocketProvider(server.url.replace('http:', 'ws:'), roomName(sess.id, 'gm'), new Y.Doc(), {
      disableBc: true,
      WebSocketPolyfill,
      protocols: connectionCredentials(sess.gm.token, 'subprotocol').protocols,
    });
    cleanups.push(() => other.destroy());
    await waitFor(() => other.doc.getMap('tokens').get('new') === 2, 'the new doc\'s edit at the other client');
    expect(other.doc.getMap('tokens').has('old')).toBe(false);
    const origins: unknown[] = [];
    second.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin));
    other.doc.getMap('tokens').set('remote', 3);
    await waitFor(() => second.getMap('tokens').get('remote') === 3, 'remote edit in the new doc');
    expect(first.getMap('tokens').has('remote')).toBe(false);
    expect(origins).toEqual([provider]);

    // An edit made with the provider as origin is taken for the server's own and never sent; others go out at once.
    const ws = provider.ws!;
    const send = ws.send.bind(ws);
    const sent: string[] = [];
    ws.send = (data: Uint8Array) => {
      sent.push(decodeMessage(data).type);
      send(data);
    };
    second.transact(() => second.getMap('tokens').set('unsent', 4), provider);
    expect(sent).toEqual([]);
    second.getMap('tokens').set('sent', 5);
    expect(sent).toEqual(['sync-update']);
  });
});
