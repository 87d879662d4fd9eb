/**
 * Limits at the door (docs/security.md [F1], [F2], [F5]..[F7]): how many
 * sockets and how many new ones a user or an address may have, what a client
 * may send before its upgrade is answered, and how large an update may be.
 * Real server on 127.0.0.1, real sockets, real LevelDB.
 */
import { CloseCode, encodeMessage, encodeRoomEnvelope } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import { type LimitOptions, RATE_LIMITS_OFF } from '../src/index.ts';
import { withFaults } from './faulty-store.ts';
import { type RunningServer, startServer, waitFor } from './helpers.ts';
import { legitPair } from './legit-pair.ts';
import { hangUp, rawTcp, upgrade, upgradeHead, type Upgrade } from './limits-client.ts';
import { closeCodeOf, openRaw } from './raw-client.ts';

let running: RunningServer | undefined;
const sockets: WebSocket[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const ws of sockets.splice(0)) ws.terminate();
  await running?.dispose();
  running = undefined;
});

/** A server whose only flood limits are the ones given. */
async function serve(limits: Partial<LimitOptions>, extra: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  running = await startServer({ checksumIntervalMs: 0, evictAfterMs: 50, ...extra, limits: { ...RATE_LIMITS_OFF, ...limits } });
  return running;
}

function opened(u: Upgrade): WebSocket {
  if (!u.opened) throw new Error(`expected the upgrade to open, got ${u.status}`);
  sockets.push(u.ws);
  return u.ws;
}

function expectRefused(u: Upgrade, status: number, retryAfter?: string): void {
  if (u.opened) sockets.push(u.ws);
  expect(u).toMatchObject({ opened: false, status, ...(retryAfter === undefined ? {} : { retryAfter }) });
}

describe('connections per user and per address', () => {
  it('[F1] a user holds at most connectionsPerUser sockets: one more gets 429 with Retry-After and no socket; a closed one frees its slot', async () => {
    const r = await serve({ connectionsPerUser: 3 });
    const held = [];
    for (let i = 0; i < 3; i++) held.push(opened(await upgrade(r.wsUrl, `limits/u${i}`, 'mira')));
    expectRefused(await upgrade(r.wsUrl, 'limits/u3', 'mira'), 429, '5');
    // Another user at the same address is not affected.
    opened(await upgrade(r.wsUrl, 'limits/u3', 'thorin'));
    expect(r.server.metrics().connections).toBe(4);

    await hangUp(held[0]!);
    await waitFor(() => r.server.metrics().connections === 3, 5_000, 'the closed socket gone');
    opened(await upgrade(r.wsUrl, 'limits/u3', 'mira'));
  });

  it('[F1] an address holds at most connectionsPerIp sockets, whoever they belong to', async () => {
    const r = await serve({ connectionsPerIp: 2 });
    opened(await upgrade(r.wsUrl, 'limits/ip', 'a'));
    opened(await upgrade(r.wsUrl, 'limits/ip', 'b'));
    expectRefused(await upgrade(r.wsUrl, 'limits/ip', 'c'), 429, '5');
    // Refused before its token was read: even no token gets 429, not 401.
    expectRefused(await upgrade(r.wsUrl, 'limits/ip', null), 429);
  });

  it('[F1][F2] a refused upgrade never loads its room from the store', async () => {
    let loads: { loadCalls: number } | undefined;
    const r = await serve({ connectionsPerUser: 1 }, { wrapStore: (s) => (loads = withFaults(s, {})) });
    opened(await upgrade(r.wsUrl, 'limits/first', 'mira'));
    const before = loads!.loadCalls;
    for (let i = 0; i < 5; i++) expectRefused(await upgrade(r.wsUrl, `limits/never-${i}`, 'mira'), 429);
    expect(loads!.loadCalls).toBe(before);
    expect(r.server.metrics().rooms).toBe(1);
  });

  it('[F2] upgrades beyond a user\'s burst get 429 with Retry-After until the bucket refills', async () => {
    const r = await serve({ upgradesPerUser: { burst: 3, perSecond: 2 } });
    for (let i = 0; i < 3; i++) await hangUp(opened(await upgrade(r.wsUrl, 'limits/rate', 'mira')));
    expectRefused(await upgrade(r.wsUrl, 'limits/rate', 'mira'), 429, '1');
    // Attempts count even when refused: hammering does not help.
    expectRefused(await upgrade(r.wsUrl, 'limits/rate', 'mira'), 429);
    opened(await upgrade(r.wsUrl, 'limits/rate', 'thorin'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    opened(await upgrade(r.wsUrl, 'limits/rate', 'mira'));
  });

  it('[F2] upgrades per address are counted before the token is checked', async () => {
    const r = await serve({ upgradesPerIp: { burst: 3, perSecond: 0.1 } });
    for (let i = 0; i < 3; i++) expectRefused(await upgrade(r.wsUrl, 'limits/ip-rate', null, { token: 'not.a.token' }), 401);
    // The bucket is empty: a valid token no longer gets a signature check, only a 429.
    expectRefused(await upgrade(r.wsUrl, 'limits/ip-rate', 'mira'), 429, '10');
  });

  it('[F7] with trustProxy the address is the last X-Forwarded-For entry; without it the header is ignored', async () => {
    let r = await serve({ connectionsPerIp: 1, trustProxy: true });
    const via = (chain: string) => ({ headers: { 'x-forwarded-for': chain } });
    opened(await upgrade(r.wsUrl, 'limits/proxy', 'a', via('10.0.0.1')));
    // Entries before the proxy's own are the client's to forge, and do not make a new address.
    expectRefused(await upgrade(r.wsUrl, 'limits/proxy', 'b', via('6.6.6.6, 10.0.0.1')), 429);
    opened(await upgrade(r.wsUrl, 'limits/proxy', 'c', via('10.0.0.2')));
    // IPv6 clients are counted by their /64.
    opened(await upgrade(r.wsUrl, 'limits/proxy', 'd', via('2001:db8:1:2::1')));
    expectRefused(await upgrade(r.wsUrl, 'limits/proxy', 'e', via('2001:db8:1:2:ffff::9')), 429);
    opened(await upgrade(r.wsUrl, 'limits/proxy', 'f', via('2001:db8:1:3::1')));
    for (const ws of sockets.splice(0)) ws.terminate();
    await running!.dispose();

    r = await serve({ connectionsPerIp: 1 });
    opened(await upgrade(r.wsUrl, 'limits/proxy', 'a', via('10.0.0.1')));
    expectRefused(await upgrade(r.wsUrl, 'limits/proxy', 'c', via('10.0.0.2')), 429);
  });
});

describe('before the upgrade is answered', () => {
  it('[F6] a request head over maxHeaderBytes is answered 431 and never upgraded', async () => {
    const r = await serve({ maxHeaderBytes: 4096 });
    const tcp = await rawTcp(r.url);
    tcp.socket.write(upgradeHead('limits/head', 'mira', `X-Padding: ${'p'.repeat(8192)}\r\n`));
    await tcp.ended;
    expect(tcp.received()).toMatch(/^HTTP\/1\.1 431 /);
    expect(r.server.metrics().connections).toBe(0);
    // A head within the limit still upgrades.
    const ok = await rawTcp(r.url);
    ok.socket.write(upgradeHead('limits/head', 'mira', `X-Padding: ${'p'.repeat(1024)}\r\n`));
    await waitFor(() => ok.received().startsWith('HTTP/1.1 101'), 5_000, '101 Switching Protocols');
    ok.socket.destroy();
  });

  it('[F6] a request head not complete within headersTimeoutMs is answered 408 and closed', async () => {
    const r = await serve({ headersTimeoutMs: 400 });
    const tcp = await rawTcp(r.url);
    const started = Date.now();
    // Slowloris: a head that never ends.
    tcp.socket.write(upgradeHead('limits/slow-head', 'mira').slice(0, -2));
    await tcp.ended;
    expect(tcp.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('[F6] a client sending more than maxPendingUpgradeBytes while its room loads is cut off; the room is released, others unaffected', async () => {
    const r = await serve({ maxPendingUpgradeBytes: 16 * 1024 }, { wrapStore: (s) => withFaults(s, { loadDelayMs: 600, room: 'limits/slow' }) });
    const tcp = await rawTcp(r.url);
    const started = Date.now();
    tcp.socket.write(upgradeHead('limits/slow', 'mallory'));
    // Pipelined garbage, far beyond the cap, while the server is still loading the room.
    const junk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 32 && !tcp.socket.destroyed; i++) tcp.socket.write(junk);
    const how = await tcp.ended;
    expect(Date.now() - started).toBeLessThan(600);
    expect(how === 'end' || how === 'reset').toBe(true);
    expect(tcp.received()).not.toMatch(/^HTTP\/1\.1 101/);

    // A well-behaved client of the same slow room gets in once it has loaded.
    const pair = await legitPair(r.wsUrl, 'limits/slow');
    cleanups.push(() => pair.destroy());
    await pair.roundTrip('after the cut');
    expect(r.server.metrics().connections).toBe(2);
  });
});

/** A sync-update frame whose Yjs update is exactly `bytes` long. */
function updateOfSize(bytes: number): Uint8Array {
  for (let length = bytes; length > 0; length--) {
    const doc = new Y.Doc();
    // A fixed client id: a random one changes the update's size by up to 4 bytes per try.
    doc.clientID = 1;
    doc.getText('big').insert(0, 'z'.repeat(length));
    const update = Y.encodeStateAsUpdate(doc);
    if (update.byteLength === bytes) return update;
  }
  throw new Error(`no update of ${bytes} bytes`);
}

describe('update size', () => {
  it('[F5] an update of maxUpdateBytes is applied; one byte more closes with UpdateTooLarge (4413), as step 2 or in an envelope too', async () => {
    const max = 4096;
    const r = await serve({}, { maxUpdateBytes: max, maxMessageBytes: 64 * 1024 });
    const pair = await legitPair(r.wsUrl, 'limits/size');
    cleanups.push(() => pair.destroy());
    const fits = await openRaw(r.wsUrl, 'limits/size');
    fits.send(encodeMessage({ type: 'sync-update', update: updateOfSize(max) }));
    await waitFor(() => pair.a.doc.getText('big').length > 0, 5_000, 'the largest allowed update at a stock client');
    expect(fits.closeCode()).toBeNull();

    const tooLarge = updateOfSize(max + 1);
    const frames = [
      encodeMessage({ type: 'sync-update', update: tooLarge }),
      encodeMessage({ type: 'sync-step2', update: tooLarge }),
      encodeRoomEnvelope('limits/size-side', encodeMessage({ type: 'sync-update', update: tooLarge })),
    ];
    for (const frame of frames) {
      const raw = await openRaw(r.wsUrl, 'limits/size', { sidecar: true });
      raw.send(frame);
      expect(await closeCodeOf(raw)).toBe(CloseCode.UpdateTooLarge);
    }
    await pair.roundTrip('after');
    expect(pair.disconnects()).toBe(0);
  });
});
