/**
 * Authentication and read authorization at the upgrade (docs/security.md
 * [A1]..[A18]): real servers, real sockets, real tokens.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeMessage, encodeMessage, encodeRoomEnvelope, PROTOCOL_VERSION, type ProtocolMessage } from '@dungeon-lab/protocol';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { DEV_AUDIENCE, DEV_ISSUER } from '../src/auth/dev-tokens.ts';
import { api, closeOf, createSession, devLogin, tryUpgrade, type TestUser } from './auth-fixture.ts';
import { createLevelStore } from '@dungeon-lab/store-level';
import { AuthConfigError, createServer } from '../src/index.ts';
import { type RunningServer, startServer, tempDir, waitFor } from './helpers.ts';

let running: RunningServer | undefined;
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await running?.dispose();
  running = undefined;
});

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  // The default of createServer, which test helpers change for the tests of other things.
  running = await startServer({ checksumIntervalMs: 0, auth: { mode: 'development' }, openRooms: false, ...options });
  return running;
}

/** Upgrades and expects a refusal with `status`; the socket must never have opened. */
async function expectRefused(room: string, status: number, token?: string, via: 'query' | 'subprotocol' = 'query'): Promise<void> {
  const outcome = await tryUpgrade(running!.wsUrl, room, token === undefined ? {} : { token, via });
  if (outcome.opened) outcome.ws.terminate();
  expect(outcome, `${room} with ${token === undefined ? 'no token' : 'a token'}`).toEqual({ opened: false, status });
}

async function expectOpens(room: string, token: string, via: 'query' | 'subprotocol' = 'query'): Promise<WebSocket> {
  const outcome = await tryUpgrade(running!.wsUrl, room, { token, via });
  expect(outcome.opened, `${room} should open`).toBe(true);
  const ws = (outcome as { ws: WebSocket }).ws;
  cleanups.push(() => ws.terminate());
  return ws;
}

/** The dev signing key, read the way the server reads it: claimSecret returns what is stored. */
async function devKey(): Promise<Uint8Array> {
  return running!.store.claimSecret('auth/dev-hs256-key', new Uint8Array(32));
}

function devJwt(sub: string, { exp = '1h', iss = DEV_ISSUER, aud = DEV_AUDIENCE }: { exp?: string | number; iss?: string; aud?: string } = {}) {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime(exp);
}

describe('authentication at the upgrade', () => {
  it('[A1] no token, a bad signature, an expired token: 401 before the socket opens, and no room is loaded', async () => {
    await start();
    const s = await createSession(running!.url, { players: ['p1'] });
    const room = `sessions/${s.id}/table`;
    await expectRefused(room, 401);
    await expectRefused(room, 401, 'not-a-jwt');

    const forged = await devJwt(s.players[0]!.userId).sign(new TextEncoder().encode('some other secret, 32 bytes long!!'));
    await expectRefused(room, 401, forged);
    await expectRefused(room, 401, forged, 'subprotocol');

    const key = await devKey();
    const expired = await devJwt(s.players[0]!.userId, { exp: Math.floor(Date.now() / 1000) - 5 }).sign(key);
    await expectRefused(room, 401, expired);
    // The same key with a valid expiry is accepted, so the 401s above were the signature and the expiry.
    await expectOpens(room, await devJwt(s.players[0]!.userId).sign(key));
    expect(running!.server.metrics().rooms).toBe(1);
  });

  it('[A2] tokens with the wrong issuer, audience, algorithm, no expiry or an invalid sub are refused', async () => {
    await start();
    const s = await createSession(running!.url, { players: ['p1'] });
    const room = `sessions/${s.id}/table`;
    const key = await devKey();
    const uid = s.players[0]!.userId;
    await expectRefused(room, 401, await devJwt(uid, { iss: 'someone-else' }).sign(key));
    await expectRefused(room, 401, await devJwt(uid, { aud: 'another-app' }).sign(key));
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(uid).setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).sign(key);
    await expectRefused(room, 401, noExp);
    await expectRefused(room, 401, await devJwt('has/slash').sign(key));
    const hs512 = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject(uid).setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime('1h').sign(new Uint8Array([...key, ...key]));
    await expectRefused(room, 401, hs512);
    // alg "none": a header and payload with an empty signature.
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${b64({ alg: 'none' })}.${b64({ sub: uid, iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    await expectRefused(room, 401, unsigned);
  });

  it('[A3] the token works as the token query parameter and as a dl-token subprotocol next to dl-v1, which the server selects', async () => {
    await start();
    const s = await createSession(running!.url, { players: ['p1'] });
    const p1 = s.players[0]!;
    const viaQuery = await tryUpgrade(running!.wsUrl, `sessions/${s.id}/table`, { token: p1.token });
    expect(viaQuery.opened).toBe(true);
    if (viaQuery.opened) {
      expect(viaQuery.protocol).toBe('');
      viaQuery.ws.terminate();
    }
    const viaProtocol = await tryUpgrade(running!.wsUrl, `sessions/${s.id}/table`, { token: p1.token, via: 'subprotocol' });
    expect(viaProtocol.opened).toBe(true);
    if (viaProtocol.opened) {
      // The token entry is never echoed back.
      expect(viaProtocol.protocol).toBe('dl-v1');
      viaProtocol.ws.terminate();
    }
    // A token entry without dl-v1 could only be accepted by echoing the token: refused.
    const alone = await tryUpgrade(running!.wsUrl, `sessions/${s.id}/table`, { protocols: [`dl-token.${p1.token}`] });
    expect(alone).toEqual({ opened: false, status: 400 });
    // Other subprotocols are selected as ws always did, so clients that offer one keep working.
    const custom = await tryUpgrade(running!.wsUrl, `sessions/${s.id}/table`, { protocols: ['yjs-custom'], query: { token: p1.token } });
    expect(custom.opened && custom.protocol).toBe('yjs-custom');
    if (custom.opened) custom.ws.terminate();
    // The subprotocol wins over the query: a bad one is not rescued by a good query token.
    const both = await tryUpgrade(running!.wsUrl, `sessions/${s.id}/table`, {
      protocols: ['dl-v1', 'dl-token.garbage'],
      query: { token: p1.token },
    });
    expect(both).toEqual({ opened: false, status: 401 });
  });

  it('[A3] a stock y-websocket provider syncs a session room with the token in params', async () => {
    await start();
    const s = await createSession(running!.url, { players: ['p1'] });
    const { WebsocketProvider } = await import('y-websocket');
    const providers = [s.gm, s.players[0]!].map((u) => {
      const p = new WebsocketProvider(running!.wsUrl, `sessions/${s.id}/table`, new Y.Doc(), {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
        params: { token: u.token },
      });
      cleanups.push(() => p.destroy());
      return p;
    });
    await waitFor(() => providers.every((p) => p.synced), 10_000, 'both providers synced');
    providers[0]!.doc.getMap('tokens').set('goblin', 1);
    await waitFor(() => providers[1]!.doc.getMap('tokens').get('goblin') === 1, 10_000, 'edit arrived');
  });

  it('[A5] dev login gives a stable user id per name and a token that opens rooms; bad names are 400', async () => {
    await start();
    const a = await devLogin(running!.url, 'Zoë');
    const again = await devLogin(running!.url, ' Zoe\u0308 ');
    const other = await devLogin(running!.url, 'Zoey');
    expect(again.userId).toBe(a.userId);
    expect(other.userId).not.toBe(a.userId);
    expect(a.userId).toMatch(/^dev-[A-Za-z0-9_-]{22}$/);
    for (const name of ['', '   ', 'x'.repeat(65), 'tab\there', 42]) {
      const res = await api(running!.url, 'POST', '/api/dev/login', null, { name });
      expect(res.status, JSON.stringify(name)).toBe(400);
    }
    expect((await api(running!.url, 'GET', '/api/dev/login', null)).status).toBe(405);
  });

  it('[A4] API calls without a valid bearer token are 401 with a Bearer challenge', async () => {
    await start();
    const res = await fetch(`${running!.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await res.json()).toEqual({ error: expect.any(String) });
    expect((await api(running!.url, 'POST', '/api/sessions', 'garbage', { name: 'x' })).status).toBe(401);
    const basic = await fetch(`${running!.url}/api/sessions`, { method: 'POST', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    expect((await api(running!.url, 'GET', '/api/sessions/abc/state', null)).status).toBe(401);
  });
});

describe('read authorization at the upgrade', () => {
  it('[A10] [A11] [A12] [A14] the room permission table: table for members, gm for GMs, players/{uid} for that player and GMs', async () => {
    await start();
    const s = await createSession(running!.url, { players: ['p1', 'p2'] });
    const outsider = await devLogin(running!.url, 'outsider');
    const [p1, p2] = s.players as [TestUser, TestUser];
    const table = `sessions/${s.id}/table`;
    const gm = `sessions/${s.id}/gm`;
    const p1Room = `sessions/${s.id}/players/${p1.userId}`;
    const p2Room = `sessions/${s.id}/players/${p2.userId}`;

    for (const room of [table, gm, p1Room, p2Room]) await expectOpens(room, s.gm.token);
    await expectOpens(table, p1.token);
    await expectOpens(p1Room, p1.token);
    await expectRefused(gm, 403, p1.token);
    await expectRefused(p2Room, 403, p1.token);
    for (const room of [table, gm, p1Room]) await expectRefused(room, 403, outsider.token);
    // A session that does not exist has no members.
    await expectRefused('sessions/no-such-session/table', 403, s.gm.token);
    // Refused upgrades never loaded their room.
    expect(running!.server.metrics().rooms).toBe(4);
  });

  it('[A13] other names under sessions/ are refused; rooms outside sessions/ are refused unless openRooms', async () => {
    await start();
    const s = await createSession(running!.url);
    for (const room of [`sessions/${s.id}/notes`, `sessions/${s.id}/table/x`, `sessions/${s.id}/players`, `sessions/${s.id}/players/a/b`, `sessions//table`, 'sessions', `sessions/${s.id}`]) {
      await expectRefused(room, 403, s.gm.token);
    }
    await expectRefused('lobby', 403, s.gm.token);
    await running!.dispose();

    await start({ openRooms: true });
    const user = await devLogin(running!.url, 'anyone');
    await expectOpens('lobby', user.token);
    await expectOpens('a/b/c', user.token);
    await expectRefused('lobby', 401);
    // openRooms opens nothing under sessions/.
    const s2 = await createSession(running!.url);
    await expectRefused(`sessions/${s2.id}/table`, 403, user.token);
    await expectRefused(`sessions/${s2.id}/notes`, 403, s2.gm.token);
  });

  it('[A17] multiplexed joins are authorized like upgrades: a forbidden room answers permission-denied and is never loaded', async () => {
    await start();
    const s = await createSession(running!.url, { players: ['p1'] });
    const p1 = s.players[0]!;
    const ws = await expectOpens(`sessions/${s.id}/table`, p1.token);
    const received: ProtocolMessage[] = [];
    ws.on('message', (data: Buffer) => received.push(decodeMessage(new Uint8Array(data))));
    ws.send(encodeMessage({ type: 'hello', version: PROTOCOL_VERSION, features: 4 }));
    const step1 = encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) });
    const inRoom = (room: string) => received.flatMap((m) => (m.type === 'room' && m.room === room ? [m.message] : []));
    const gmRoom = `sessions/${s.id}/gm`;
    const own = `sessions/${s.id}/players/${p1.userId}`;
    ws.send(encodeRoomEnvelope(gmRoom, step1));
    ws.send(encodeRoomEnvelope('lobby', step1));
    ws.send(encodeRoomEnvelope(own, step1));
    await waitFor(
      () => inRoom(gmRoom).length > 0 && inRoom('lobby').length > 0 && inRoom(own).some((m) => m.type === 'sync-step2'),
      10_000,
      'answers for three rooms',
    );
    expect(inRoom(gmRoom)).toEqual([{ type: 'error', reason: 'permission-denied', detail: expect.any(String) }]);
    expect(inRoom('lobby')).toEqual([{ type: 'error', reason: 'permission-denied', detail: expect.any(String) }]);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(running!.server.metrics().rooms).toBe(2);
  });
});

describe('production mode', () => {
  const ISSUER = 'https://id.example.test/';
  const AUDIENCE = 'dungeon-lab-test';

  async function keyPair() {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const sign = (sub: string, claims: { iss?: string; aud?: string; exp?: string | number } = {}) =>
      new SignJWT({ name: sub })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject(sub)
        .setIssuer(claims.iss ?? ISSUER)
        .setAudience(claims.aud ?? AUDIENCE)
        .setExpirationTime(claims.exp ?? '10m')
        .sign(privateKey);
    return { publicKey, sign };
  }

  it('[A6] tokens of the configured issuer key are verified; dev login is 404; HMAC with the public key is refused', async () => {
    const { publicKey, sign } = await keyPair();
    const pem = await exportSPKI(publicKey);
    await start({ openRooms: true, auth: { mode: 'production', issuer: ISSUER, audience: AUDIENCE, publicKeyPem: pem } });
    expect((await api(running!.url, 'POST', '/api/dev/login', null, { name: 'x' })).status).toBe(404);

    const alice = await sign('auth0|alice');
    const created = await api<{ id: string }>(running!.url, 'POST', '/api/sessions', alice, { name: 'prod' });
    expect(created.status).toBe(201);
    await expectOpens(`sessions/${created.body.id}/gm`, alice);
    await expectOpens('lobby', alice);

    await expectRefused('lobby', 401, await sign('bob', { iss: 'https://evil.test/' }));
    await expectRefused('lobby', 401, await sign('bob', { aud: 'other' }));
    await expectRefused('lobby', 401, await sign('bob', { exp: Math.floor(Date.now() / 1000) - 120 }));
    // Algorithm confusion: the public key PEM used as an HMAC secret.
    const confused = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(pem));
    await expectRefused('lobby', 401, confused);
  });

  it('[A6] [A7] keys can come from a JWKS URL; an unreachable key set is 503, not 401', async () => {
    const { publicKey, sign } = await keyPair();
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    let up = true;
    const jwks: Server = createHttpServer((_req, res) => {
      if (!up) {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => jwks.close(resolve)));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;

    await start({ openRooms: true, auth: { mode: 'production', issuer: ISSUER, audience: AUDIENCE, jwksUrl } });
    await expectOpens('lobby', await sign('carol'));
    await running!.dispose();

    up = false;
    await start({ openRooms: true, auth: { mode: 'production', issuer: ISSUER, audience: AUDIENCE, jwksUrl } });
    await expectRefused('lobby', 503, await sign('carol'));
    expect((await api(running!.url, 'POST', '/api/sessions', await sign('carol'), { name: 'x' })).status).toBe(503);
  });

  it('[A6] a production configuration without a usable key does not start', async () => {
    const bad = [
      { mode: 'production' as const, issuer: ISSUER, audience: AUDIENCE },
      { mode: 'production' as const, issuer: ISSUER, audience: AUDIENCE, publicKeyPem: 'not a pem' },
      { mode: 'production' as const, issuer: '', audience: AUDIENCE, jwksUrl: 'http://127.0.0.1:1/' },
      { mode: 'production' as const, issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'http://127.0.0.1:1/', algorithms: ['HS256'] },
    ];
    const dir = await tempDir();
    const store = await createLevelStore({ dataDir: dir.path });
    cleanups.push(() => dir.remove(), () => store.close());
    for (const auth of bad) expect(() => createServer({ store, auth }), JSON.stringify(auth)).toThrow(AuthConfigError);
  });
});

describe('membership changes during an upgrade', () => {
  it('[A18] a member removed while their upgrade is in flight ends refused or closed with 4410, never left open', async () => {
    await start();
    const s = await createSession(running!.url);
    for (let round = 0; round < 15; round++) {
      const user = await devLogin(running!.url, `racer-${round}`);
      await api(running!.url, 'POST', `/api/sessions/${s.id}/join`, user, { joinCode: s.joinCode });
      const upgrading = tryUpgrade(running!.wsUrl, `sessions/${s.id}/table`, { token: user.token });
      // Vary the timing so removals land before, during and after the upgrade's checks.
      await new Promise((r) => setTimeout(r, round % 5));
      const removed = await api(running!.url, 'DELETE', `/api/sessions/${s.id}/members/${user.userId}`, s.gm);
      expect(removed.status).toBe(200);
      const outcome = await upgrading;
      if (outcome.opened) {
        expect((await closeOf(outcome.ws)).code, `round ${round}`).toBe(4410);
      } else {
        expect(outcome.status, `round ${round}`).toBe(403);
      }
    }
  });
});
