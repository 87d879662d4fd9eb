import { createHash } from 'node:crypto';
import { createIntent } from '@dungeon-lab/events';
import { jpegImage, pngImage } from '@dungeon-lab/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server-harness.fixture.ts';
import { assetPath } from './index.ts';
import { SessionApi } from './session-api.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<TestServer> {
  const s = await startTestServer();
  cleanups.push(() => s.dispose());
  return s;
}

function ok<T>(answer: { ok: true; data: T } | { ok: false; status: number; error: string }): T {
  if (!answer.ok) throw new Error(`${answer.status} ${answer.error}`);
  return answer.data;
}

describe('SessionApi', () => {
  it('[EQ18][API1][API2][API3][API7] logs in, creates and joins a session, and reads it back, over ws:// or http:// URLs', async () => {
    const s = await server();
    const anonymous = new SessionApi({ serverUrl: s.url.replace('http:', 'ws:') });
    const ann = ok(await anonymous.devLogin('Ann'));
    const bob = ok(await anonymous.devLogin('Bob'));
    expect(ann).toMatchObject({ name: 'Ann', userId: expect.stringMatching(/^dev-/), expiresAt: expect.any(Number) });
    const asAnn = new SessionApi({ serverUrl: s.url, token: ann.token });
    let bobTokenReads = 0;
    const asBob = anonymous.withToken(() => {
      bobTokenReads++;
      return Promise.resolve(bob.token);
    });

    const created = ok(await asAnn.createSession('Curse of Strahd'));
    expect(created).toMatchObject({ name: 'Curse of Strahd', role: 'gm', joinCode: expect.any(String) });
    expect(ok(await asBob.joinSession(created.id, created.joinCode.toLowerCase()))).toEqual({ role: 'player' });
    expect(ok(await asBob.session(created.id))).toMatchObject({ id: created.id, role: 'player' });
    expect(ok(await asBob.session(created.id))).not.toHaveProperty('joinCode');
    expect(ok(await asAnn.session(created.id))).toMatchObject({ role: 'gm', joinCode: created.joinCode });
    expect(ok(await asAnn.members(created.id)).map((m) => [m.userId, m.role])).toEqual([
      [ann.userId, 'gm'],
      [bob.userId, 'player'],
    ]);
    expect(bobTokenReads).toBe(3);

    expect(ok(await asAnn.setMemberRole(created.id, bob.userId, 'gm'))).toMatchObject({ userId: bob.userId, role: 'gm' });
    expect(ok(await asAnn.removeMember(created.id, bob.userId)).removed).toMatchObject({ userId: bob.userId });
  });

  it('[EQ18][EL7][EL8][EL13] events, state, checkpoints and the approval queue', async () => {
    const s = await server();
    const anonymous = new SessionApi({ serverUrl: s.url });
    const gm = anonymous.withToken(ok(await anonymous.devLogin('gm')).token);
    const player = anonymous.withToken(ok(await anonymous.devLogin('player')).token);
    const { id, joinCode } = ok(await gm.createSession('s'));
    ok(await player.joinSession(id, joinCode));

    const intents = ['a', 'b', 'c'].map((text) => createIntent('chat:message', { text }));
    const acks = ok(await player.submitIntents(id, intents));
    expect(acks.map((a) => a.success && a.sequence)).toEqual([1, 2, 3]);
    const page = ok(await gm.events(id, 2, 1));
    expect(page).toMatchObject({ next: 3, events: [{ sequence: 2, id: intents[1]!.id, status: 'applied', type: 'chat:message' }] });
    expect(ok(await gm.state(id))).toMatchObject({ version: 3 });

    const checkpoint = ok(await gm.createCheckpoint(id, 'before the dragon'));
    expect(checkpoint).toMatchObject({ name: 'before the dragon', version: 3 });
    expect(ok(await player.checkpoints(id)).map((c) => c.id)).toEqual([checkpoint.id]);
    ok(await player.submitIntents(id, [createIntent('chat:message', { text: 'd' })]));
    expect(ok(await gm.restoreCheckpoint(id, checkpoint.id))).toMatchObject({ restored: checkpoint.id, sequence: 5, status: 'applied' });

    expect(ok(await gm.approvals(id))).toEqual([]);
    expect(await player.approvals(id)).toMatchObject({ ok: false, status: 403, error: expect.stringMatching(/GM/) });
  });

  it('[EQ18][API11][API12] a GM uploads images as bytes or Blobs; members fetch them as Blobs with the token; refusals are data', async () => {
    const s = await server();
    const anonymous = new SessionApi({ serverUrl: s.url });
    const gm = anonymous.withToken(ok(await anonymous.devLogin('Gwen')).token);
    const player = anonymous.withToken(ok(await anonymous.devLogin('Pip')).token);
    const stranger = anonymous.withToken(ok(await anonymous.devLogin('Stan')).token);
    const { id, joinCode } = ok(await gm.createSession('maps'));
    ok(await player.joinSession(id, joinCode));

    const png = pngImage(40, 30);
    const hash = createHash('sha256').update(png).digest('hex');
    const uploaded = await gm.uploadAsset(id, png, 'image/png');
    expect(uploaded).toEqual({ ok: true, status: 201, data: { hash, type: 'image/png', size: png.byteLength, width: 40, height: 30 } });
    // The same bytes as a Blob: already there.
    expect(await gm.uploadAsset(id, new Blob([png]), 'image/png')).toMatchObject({ ok: true, status: 200, data: { hash } });
    // A view into a larger buffer sends just its bytes.
    const jpeg = jpegImage(800, 600);
    const backing = new Uint8Array(jpeg.byteLength + 10);
    backing.set(jpeg, 5);
    expect(ok(await gm.uploadAsset(id, backing.subarray(5, 5 + jpeg.byteLength), 'image/jpeg'))).toMatchObject({ width: 800, height: 600, size: jpeg.byteLength });

    const fetched = await player.fetchAsset(id, hash);
    expect(fetched).toMatchObject({ ok: true, status: 200 });
    const blob = (fetched as { data: Blob }).data;
    expect(blob.type).toBe('image/png');
    expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.from(png))).toBe(true);
    expect(assetPath(id, hash)).toBe(`/api/sessions/${id}/assets/${hash}`);

    expect(await player.uploadAsset(id, png, 'image/png')).toEqual({ ok: false, status: 403, error: 'only a GM may upload images' });
    expect(await gm.uploadAsset(id, png, 'image/webp')).toEqual({ ok: false, status: 415, error: 'the body is image/png, not image/webp' });
    expect(await stranger.fetchAsset(id, hash)).toMatchObject({ ok: false, status: 403 });
    expect(await player.fetchAsset(id, '0'.repeat(64))).toEqual({ ok: false, status: 404, error: 'no such image in this session' });
    expect(await player.fetchAsset(id, 'nope')).toMatchObject({ ok: false, status: 400 });
    expect(await anonymous.fetchAsset(id, hash)).toEqual({ ok: false, status: 0, error: 'no token' });
  });

  it('[EQ18] errors are data: status and the server\'s message, 0 when unreachable or without a token', async () => {
    const s = await server();
    const anonymous = new SessionApi({ serverUrl: s.url });
    expect(await anonymous.session('nope')).toEqual({ ok: false, status: 0, error: 'no token' });
    expect(await anonymous.withToken('garbage').createSession('x')).toMatchObject({ ok: false, status: 401 });
    const user = anonymous.withToken(ok(await anonymous.devLogin('u')).token);
    expect(await user.session('AAAAAAAAAAAAAAAA')).toMatchObject({ ok: false, status: 404 });
    const { id } = ok(await user.createSession('mine'));
    expect(await user.joinSession(id, 'WRONGCODE0')).toMatchObject({ ok: false, status: 403, error: 'wrong join code' });
    expect(await anonymous.devLogin('')).toMatchObject({ ok: false, status: 400, error: expect.any(String) });
    expect(await anonymous.withToken(() => Promise.reject(new Error('refresh failed'))).session(id)).toEqual({
      ok: false,
      status: 0,
      error: 'token unavailable: refresh failed',
    });
    await s.stop();
    expect(await user.session(id)).toMatchObject({ ok: false, status: 0, error: expect.stringMatching(/unreachable/) });
  });
});
