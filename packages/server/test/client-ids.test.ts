import { CloseCode, Feature, PROTOCOL_VERSION, encodeMessage, encodeRoomEnvelope, type ProtocolMessage } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { withFaults } from './faulty-store.ts';
import { type RunningServer, startServer, waitFor } from './helpers.ts';
import { closeCodeOf, openRaw, type RawClient } from './raw-client.ts';

let running: RunningServer | undefined;
const sockets: RawClient[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  await running?.dispose();
  running = undefined;
});

async function open(room: string, user = 'tester', sidecar: boolean = true): Promise<RawClient> {
  const raw = await openRaw(running!.wsUrl, room, { sidecar, user });
  sockets.push(raw);
  return raw;
}

/** The client ids the server granted this socket, bare or in an envelope for `room`. */
function grants(raw: RawClient, room?: string): number[] {
  return raw.messages().flatMap((m: ProtocolMessage) => {
    if (room === undefined && m.type === 'client-id') return [m.clientId];
    if (room !== undefined && m.type === 'room' && m.room === room && m.message.type === 'client-id') return [m.message.clientId];
    return [];
  });
}

/** Asks for `requested` and waits for the answer. */
async function ask(raw: RawClient, requested: number): Promise<number> {
  const before = grants(raw).length;
  raw.send(encodeMessage({ type: 'client-id', clientId: requested }));
  await waitFor(() => grants(raw).length > before, 10_000, 'client-id answer');
  return grants(raw).at(-1)!;
}

const RANDOM_ID = 2_345_678_901;

describe('leased client ids', () => {
  it('[P15] each socket of a room is leased the next small id, recorded to its user; rooms count separately', async () => {
    running = await startServer({ checksumIntervalMs: 0 });
    const a = await open('lease/one', 'alice');
    const b = await open('lease/one', 'bob');
    const c = await open('lease/two', 'alice');
    expect(await ask(a, RANDOM_ID)).toBe(1);
    expect(await ask(b, RANDOM_ID + 1)).toBe(2);
    expect(await ask(c, RANDOM_ID)).toBe(1);
    expect(await running.store.clientIdOwner('lease/one', 1)).toBe('alice');
    expect(await running.store.clientIdOwner('lease/one', 2)).toBe('bob');
  });

  it('[P15] a reconnect keeps its own lease; an id held by a live socket, or leased to another user, is not handed over', async () => {
    running = await startServer({ checksumIntervalMs: 0 });
    const first = await open('lease/keep', 'alice');
    expect(await ask(first, RANDOM_ID)).toBe(1);
    // While the first socket is still in the room, its id stays its own, even for the same user.
    const twin = await open('lease/keep', 'alice');
    expect(await ask(twin, 1)).toBe(2);
    first.ws.close();
    await first.closed;
    await waitFor(() => running!.server.metrics().connections === 1, 10_000, 'first socket gone');
    const again = await open('lease/keep', 'alice');
    expect(await ask(again, 1)).toBe(1);
    twin.ws.close();
    await twin.closed;
    await waitFor(() => running!.server.metrics().connections === 1, 10_000, 'twin gone');
    // Nobody holds 2 now, but it is alice's.
    const mallory = await open('lease/keep', 'mallory');
    expect(await ask(mallory, 2)).toBe(3);
    // A made-up id nobody was leased gets a fresh lease too.
    const other = await open('lease/keep', 'bob');
    expect(await ask(other, 99)).toBe(4);
  });

  it('[P15] one lease per join: asking again answers the same id and leases nothing', async () => {
    running = await startServer({ checksumIntervalMs: 0 });
    const raw = await open('lease/once');
    expect(await ask(raw, RANDOM_ID)).toBe(1);
    for (let i = 0; i < 5; i++) expect(await ask(raw, RANDOM_ID + i)).toBe(1);
    const next = await open('lease/once');
    expect(await ask(next, RANDOM_ID)).toBe(2);
  });

  it('[P15] concurrent requests of one room never share an id', async () => {
    running = await startServer({ checksumIntervalMs: 0 });
    const clients = await Promise.all(Array.from({ length: 12 }, (_, i) => open('lease/crowd', `user-${i % 3}`)));
    for (const raw of clients) raw.send(encodeMessage({ type: 'client-id', clientId: 1 }));
    await waitFor(() => clients.every((raw) => grants(raw).length === 1), 10_000, 'every answer');
    const ids = clients.map((raw) => grants(raw)[0]!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.max(...ids)).toBeLessThanOrEqual(12);
  });

  it('[P15] leases are never handed out twice across a restart, and skip ids the document already holds', async () => {
    running = await startServer({ checksumIntervalMs: 0 });
    const dataDir = running.dataDir;
    const raw = await open('lease/restart');
    expect(await ask(raw, RANDOM_ID)).toBe(1);
    // A client whose random id happens to be 2 writes into the document.
    const doc = new Y.Doc();
    doc.clientID = 2;
    doc.getMap('tokens').set('goblin', { x: 1 });
    raw.send(encodeMessage({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) }));
    await waitFor(() => raw.messages().some((m) => m.type === 'sync-update'), 10_000, 'echo');
    raw.ws.terminate();
    sockets.length = 0;
    await running.stop();
    running = await startServer({ checksumIntervalMs: 0, dataDir });
    const after = await open('lease/restart');
    expect(await ask(after, RANDOM_ID)).toBe(3);
  });

  it('[P15] in a multiplexed room the request and the answer travel in its envelope', async () => {
    running = await startServer({ checksumIntervalMs: 0 });
    const raw = await open('lease/home');
    raw.send(encodeRoomEnvelope('lease/other', encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) })));
    raw.send(encodeRoomEnvelope('lease/other', encodeMessage({ type: 'client-id', clientId: RANDOM_ID })));
    await waitFor(() => grants(raw, 'lease/other').length === 1, 10_000, 'enveloped answer');
    expect(grants(raw, 'lease/other')).toEqual([1]);
    expect(grants(raw)).toEqual([]);
  });

  it('[P15] without the client-ids feature the request is a protocol error', async () => {
    running = await startServer({ checksumIntervalMs: 0 });
    const stock = await open('lease/stock', 'tester', false);
    stock.send(encodeMessage({ type: 'client-id', clientId: 5 }));
    expect(await closeCodeOf(stock)).toBe(CloseCode.ProtocolError);
    const chosen = await open('lease/stock');
    chosen.send(encodeMessage({ type: 'hello', version: PROTOCOL_VERSION, features: Feature.Saved }));
    chosen.send(encodeMessage({ type: 'client-id', clientId: 5 }));
    expect(await closeCodeOf(chosen)).toBe(CloseCode.ProtocolError);
    expect(await running.store.clientIdOwner('lease/stock', 1)).toBeNull();
  });

  it('[P15] a lease the store cannot write is not answered; the socket keeps syncing under its own id', async () => {
    let failLeases = true;
    running = await startServer({
      checksumIntervalMs: 0,
      wrapStore: (level) => {
        const store = withFaults(level, {});
        const lease = store.leaseClientId;
        store.leaseClientId = async (doc, owner) => {
          if (failLeases) throw new Error('injected lease failure');
          return lease(doc, owner);
        };
        return store;
      },
    });
    const raw = await open('lease/faulty');
    raw.send(encodeMessage({ type: 'client-id', clientId: RANDOM_ID }));
    const doc = new Y.Doc();
    doc.clientID = RANDOM_ID;
    doc.getArray('chat').push(['still here']);
    raw.send(encodeMessage({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) }));
    await waitFor(() => raw.messages().some((m) => m.type === 'sync-update'), 10_000, 'echo');
    expect(grants(raw)).toEqual([]);
    expect(raw.closeCode()).toBeNull();
    failLeases = false;
    const next = await open('lease/faulty');
    expect(await ask(next, RANDOM_ID)).toBe(1);
  });

  it('[P15] awareness under a client id leased to another user is neither applied nor relayed; the same user may', async () => {
    running = await startServer({ checksumIntervalMs: 0 });
    const alice = await open('lease/presence', 'alice');
    const aliceTab = await open('lease/presence', 'alice');
    const mallory = await open('lease/presence', 'mallory');
    const aliceId = await ask(alice, RANDOM_ID);
    /** An awareness update announcing `state` for `clientId`, as that client would send it. */
    const presence = (clientId: number, state: Record<string, unknown>, clock = 5) => {
      const doc = new Y.Doc();
      doc.clientID = clientId;
      const awareness = new awarenessProtocol.Awareness(doc);
      for (let i = 0; i < clock; i++) awareness.setLocalState({ ...state, i });
      const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId]);
      awareness.destroy();
      return encodeMessage({ type: 'awareness', update });
    };
    const cursorsSeen = (raw: RawClient) =>
      raw.messages().flatMap((m) => {
        if (m.type !== 'awareness') return [];
        const doc = new Y.Doc();
        const awareness = new awarenessProtocol.Awareness(doc);
        awarenessProtocol.applyAwarenessUpdate(awareness, m.update, null);
        const states = Array.from(awareness.getStates().entries()).filter(([id]) => id !== doc.clientID);
        awareness.destroy();
        return states.map(([id, state]) => `${id}:${String((state as { name?: unknown }).name)}`);
      });

    alice.send(presence(aliceId, { name: 'Alice' }, 1));
    await waitFor(() => cursorsSeen(mallory).includes(`${aliceId}:Alice`), 10_000, 'alice presence');
    mallory.send(presence(aliceId, { name: 'Alice (forged)' }, 9));
    await waitFor(() => mallory.messages().some((m) => m.type === 'error' && m.reason === 'permission-denied'), 10_000, 'refusal');
    // Her own tab may speak for her id; what it sends is relayed.
    aliceTab.send(presence(aliceId, { name: 'Alice (tab)' }, 12));
    await waitFor(() => cursorsSeen(mallory).includes(`${aliceId}:Alice (tab)`), 10_000, 'same-user presence');
    expect(cursorsSeen(alice).some((s) => s.includes('forged'))).toBe(false);
    expect(cursorsSeen(mallory).some((s) => s.includes('forged'))).toBe(false);
    expect(mallory.closeCode()).toBeNull();
  });
});
