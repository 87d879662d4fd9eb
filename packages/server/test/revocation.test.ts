/**
 * Membership changes reach open sockets ([A15], [A16]) and membership
 * outlives a restart ([A5]): real servers, sockets and LevelDB.
 */
import { decodeMessage, encodeMessage, encodeRoomEnvelope, PROTOCOL_VERSION, type ProtocolMessage } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { api, closeOf, createSession, tryUpgrade, type TestUser } from './auth-fixture.ts';
import { type RunningServer, startServer, tempDir, waitFor } from './helpers.ts';

/** The default of createServer, which test helpers change for the tests of other things. */
const DEV = { auth: { mode: 'development' }, openRooms: false } as const;
let running: RunningServer | undefined;
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await running?.dispose();
  running = undefined;
});

async function open(room: string, user: TestUser): Promise<WebSocket> {
  const outcome = await tryUpgrade(running!.wsUrl, room, { token: user.token });
  if (!outcome.opened) throw new Error(`${room} refused with ${outcome.status}`);
  cleanups.push(() => outcome.ws.terminate());
  return outcome.ws;
}

function stillOpenAfter(ws: WebSocket, ms: number): Promise<boolean> {
  return new Promise((resolve) => setTimeout(() => resolve(ws.readyState === WebSocket.OPEN), ms));
}

describe('revocation', () => {
  it('[A15] removing a member closes their sockets in that session within 1 s with 4410; their token then gets 403 there', async () => {
    running = await startServer({ checksumIntervalMs: 0, ...DEV });
    const s = await createSession(running.url, { players: ['p1', 'p2'] });
    const [p1, p2] = s.players as [TestUser, TestUser];
    const elsewhere = await createSession(running.url, { gm: p1 });

    const table = await open(`sessions/${s.id}/table`, p1);
    const own = await open(`sessions/${s.id}/players/${p1.userId}`, p1);
    const otherSession = await open(`sessions/${elsewhere.id}/table`, p1);
    const bystander = await open(`sessions/${s.id}/table`, p2);
    // A stock provider must stop reconnecting: 4410 is in the permanent 4400-4499 range.
    const provider = new WebsocketProvider(running.wsUrl, `sessions/${s.id}/table`, new Y.Doc(), {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      params: { token: p1.token },
    });
    cleanups.push(() => provider.destroy());
    await waitFor(() => provider.synced, 10_000, 'provider synced');
    let reconnects = 0;
    provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connecting') reconnects++;
    });

    const closes = [table, own].map((ws) => closeOf(ws));
    const started = Date.now();
    const removed = await api(running.url, 'DELETE', `/api/sessions/${s.id}/members/${p1.userId}`, s.gm);
    expect(removed.status).toBe(200);
    const results = await Promise.all(closes);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const r of results) expect(r).toEqual({ code: 4410, reason: 'removed from the session' });
    await waitFor(() => !provider.wsconnected, 1000, 'provider disconnected');

    expect(await stillOpenAfter(otherSession, 200)).toBe(true);
    expect(bystander.readyState).toBe(WebSocket.OPEN);
    expect(reconnects).toBe(0);

    expect(await tryUpgrade(running.wsUrl, `sessions/${s.id}/table`, { token: p1.token })).toEqual({ opened: false, status: 403 });
    expect((await api(running.url, 'GET', `/api/sessions/${s.id}/state`, p1)).status).toBe(403);
    expect((await api(running.url, 'GET', `/api/sessions/${s.id}/members`, p1)).status).toBe(403);
    // The token itself is still good elsewhere.
    expect((await api(running.url, 'GET', `/api/sessions/${elsewhere.id}/members`, p1)).status).toBe(200);
  });

  it('[A16] a demoted GM loses the gm room and other players\' rooms (4403) but keeps the table; multiplexed rooms are left with permission-denied', async () => {
    running = await startServer({ checksumIntervalMs: 0, ...DEV });
    const s = await createSession(running.url, { players: ['p1', 'p2'] });
    const [p1, p2] = s.players as [TestUser, TestUser];
    await api(running.url, 'PATCH', `/api/sessions/${s.id}/members/${p1.userId}`, s.gm, { role: 'gm' });

    const gmRoom = await open(`sessions/${s.id}/gm`, p1);
    const p2Room = await open(`sessions/${s.id}/players/${p2.userId}`, p1);
    const ownRoom = await open(`sessions/${s.id}/players/${p1.userId}`, p1);
    const table = await open(`sessions/${s.id}/table`, p1);
    const received: ProtocolMessage[] = [];
    table.on('message', (data: Buffer) => received.push(decodeMessage(new Uint8Array(data))));
    table.send(encodeMessage({ type: 'hello', version: PROTOCOL_VERSION, features: 4 }));
    const envRoom = `sessions/${s.id}/gm`;
    const inEnv = () => received.flatMap((m) => (m.type === 'room' && m.room === envRoom ? [m.message] : []));
    table.send(encodeRoomEnvelope(envRoom, encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) })));
    await waitFor(() => inEnv().some((m) => m.type === 'sync-step2'), 10_000, 'multiplexed gm room joined');

    const closes = [gmRoom, p2Room].map((ws) => closeOf(ws));
    const started = Date.now();
    expect((await api(running.url, 'PATCH', `/api/sessions/${s.id}/members/${p1.userId}`, s.gm, { role: 'player' })).status).toBe(200);
    for (const r of await Promise.all(closes)) expect(r.code).toBe(4403);
    expect(Date.now() - started).toBeLessThan(1000);
    await waitFor(() => inEnv().some((m) => m.type === 'error'), 1000, 'permission-denied for the multiplexed gm room');
    expect(inEnv().at(-1)).toEqual({ type: 'error', reason: 'permission-denied', detail: 'not allowed in this room' });

    expect(await stillOpenAfter(table, 200)).toBe(true);
    expect(ownRoom.readyState).toBe(WebSocket.OPEN);
    expect(await tryUpgrade(running.wsUrl, `sessions/${s.id}/gm`, { token: p1.token })).toEqual({ opened: false, status: 403 });
  });

  it('[A5] [SM7] a restart keeps sessions, members and the dev signing key: a token issued before still works', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    running = await startServer({ dataDir: dir.path, checksumIntervalMs: 0, ...DEV });
    const s = await createSession(running.url, { players: ['p1', 'p2'] });
    const [p1, p2] = s.players as [TestUser, TestUser];
    await api(running.url, 'DELETE', `/api/sessions/${s.id}/members/${p2.userId}`, s.gm);
    await running.stop();

    running = await startServer({ dataDir: dir.path, checksumIntervalMs: 0, ...DEV });
    const members = await api<{ members: Array<{ userId: string; role: string }> }>(running.url, 'GET', `/api/sessions/${s.id}/members`, p1);
    expect(members.status).toBe(200);
    expect(members.body.members.map((m) => [m.userId, m.role])).toEqual([
      [s.gm.userId, 'gm'],
      [p1.userId, 'player'],
    ]);
    const ws = await open(`sessions/${s.id}/table`, p1);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(await tryUpgrade(running.wsUrl, `sessions/${s.id}/table`, { token: p2.token })).toEqual({ opened: false, status: 403 });
    expect((await api(running.url, 'POST', `/api/sessions/${s.id}/join`, p2, { joinCode: s.joinCode })).status).toBe(200);
  });
});
