/**
 * Map and token images (docs/api.md [API11], [API12]) on a real server and
 * LevelDB store: GMs upload raw PNG, JPEG and WebP bytes, members read them
 * back by hash; sizes, types, roles, sessions and the quota are held to, and
 * nothing refused is stored (checked through the store itself).
 */
import { createHash } from 'node:crypto';
import { jpegImage, pngImage, sendRaw, webpExtendedImage, webpLosslessImage, webpLossyImage } from '@dungeon-lab/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './helpers.ts';
import { bearer, ensureMember } from './test-identity.ts';

let running: RunningServer | undefined;

afterEach(async () => {
  await running?.dispose();
  running = undefined;
});

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  running = await startServer({ checksumIntervalMs: 0, ...options });
  return running;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const MiB = 1024 * 1024;

/** A session with a GM (`gm-gus`) and a player (`pia`); `stranger` is in none. */
async function session(server: RunningServer, id: string): Promise<string> {
  await ensureMember(server.url, id, 'gm-gus');
  await ensureMember(server.url, id, 'pia');
  return id;
}

async function upload(server: RunningServer, sessionId: string, user: string | null, body: Uint8Array<ArrayBuffer>, type: string | null): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/api/sessions/${sessionId}/assets`, {
    method: 'POST',
    headers: { ...(user === null ? {} : bearer(user)), ...(type === null ? {} : { 'content-type': type }) },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function read(server: RunningServer, sessionId: string, hash: string, user: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}/api/sessions/${sessionId}/assets/${hash}`, { ...init, headers: { ...bearer(user), ...(init.headers as Record<string, string> | undefined) } });
}

/** A PNG of exactly `size` bytes (a comment chunk pads it). */
function pngOfSize(size: number): Uint8Array<ArrayBuffer> {
  const bare = pngImage(4, 4).byteLength;
  // The padding chunk costs 12 bytes of framing and 8 of keyword besides its text.
  const image = pngImage(4, 4, { padding: size - bare - 20 });
  expect(image.byteLength).toBe(size);
  return image;
}

describe('uploading images', () => {
  it('[API11][IMG2] a GM uploads PNG, JPEG and WebP as raw bytes: 201 with hash, type, size and the header\'s pixel size; the same bytes again answer 200 and are stored once', async () => {
    const server = await start();
    const s = await session(server, 'maps1');
    const images: Array<[Uint8Array<ArrayBuffer>, string, number, number]> = [
      [pngImage(64, 32), 'image/png', 64, 32],
      [jpegImage(1920, 1080), 'image/jpeg', 1920, 1080],
      [webpLossyImage(800, 600), 'image/webp', 800, 600],
      [webpLosslessImage(300, 200), 'image/webp', 300, 200],
      [webpExtendedImage(5000, 7000), 'image/webp', 5000, 7000],
    ];
    let total = 0;
    for (const [bytes, type, width, height] of images) {
      const answer = await upload(server, s, 'gm-gus', bytes, type);
      const expected = { hash: sha256(bytes), type, size: bytes.byteLength, width, height };
      expect(answer, type).toEqual({ status: 201, body: expected });
      expect(await server.store.assetInfo(s, expected.hash)).toEqual(expected);
      total += bytes.byteLength;
    }
    expect(await server.store.sessionAssetBytes(s)).toBe(total);

    // Again, with the media type written another way: the same answer, 200, and nothing more stored.
    const [png] = images[0]!;
    expect(await upload(server, s, 'gm-gus', png, 'IMAGE/PNG; name=map.png')).toEqual({
      status: 200,
      body: { hash: sha256(png), type: 'image/png', size: png.byteLength, width: 64, height: 32 },
    });
    expect(await server.store.sessionAssetBytes(s)).toBe(total);

    // Uploads are in the session's audit log, once each.
    const audit = (await (await fetch(`${server.url}/api/sessions/${s}/audit`, { headers: bearer('gm-gus') })).json()) as { entries: Array<{ action: string; target?: string }> };
    const uploaded = audit.entries.filter((e) => e.action === 'asset.uploaded');
    expect(uploaded.map((e) => e.target).sort()).toEqual(images.map(([bytes]) => sha256(bytes)).sort());
  });

  it('[API11][IMG1][AL1] only the session\'s GM uploads: a player and a non-member get 403 (audited), no token 401; nothing is stored', async () => {
    const server = await start();
    const s = await session(server, 'maps2');
    const png = pngImage(8, 8);
    expect((await upload(server, s, 'pia', png, 'image/png')).status).toBe(403);
    expect((await upload(server, s, 'stranger', png, 'image/png')).status).toBe(403);
    expect((await upload(server, s, null, png, 'image/png')).status).toBe(401);
    // Refused before the body is looked at: a player's garbage is a 403 as well, not a 415.
    expect((await upload(server, s, 'pia', new Uint8Array(10), 'text/plain')).status).toBe(403);
    expect(await server.store.assetInfo(s, sha256(png))).toBeNull();
    expect(await server.store.sessionAssetBytes(s)).toBe(0);
    const audit = (await (await fetch(`${server.url}/api/sessions/${s}/audit`, { headers: bearer('gm-gus') })).json()) as { entries: Array<{ action: string; actor: string; target?: string; detail?: string }> };
    expect(audit.entries.filter((e) => e.action === 'api.refused').map((e) => [e.actor, e.target, e.detail])).toEqual(
      expect.arrayContaining([
        ['pia', `POST /api/sessions/${s}/assets`, 'only a GM may upload images'],
        ['stranger', `POST /api/sessions/${s}/assets`, 'not a member of this session'],
      ]),
    );
  });

  it('[API11][IMG2] 415 for what is not the image it says: text labelled PNG, a PNG labelled JPEG, an unreadable header, other types; nothing is stored', async () => {
    const server = await start();
    const s = await session(server, 'maps3');
    const png = pngImage(8, 8);
    const refusals: Array<[Uint8Array<ArrayBuffer>, string | null, RegExp]> = [
      [new Uint8Array(Buffer.from('this is a text file, honestly')), 'image/png', /not a PNG, JPEG or WebP image/],
      [png, 'image/jpeg', /the body is image\/png, not image\/jpeg/],
      [jpegImage(10, 10), 'image/webp', /the body is image\/jpeg, not image\/webp/],
      [png.subarray(0, 20), 'image/png', /the image\/png header cannot be read/],
      [jpegImage(10, 10, { sof: 0xda }), 'image/jpeg', /the image\/jpeg header cannot be read/],
      [png, 'image/gif', /expected content-type image\/png, image\/jpeg, image\/webp/],
      [png, 'application/octet-stream', /expected content-type/],
      [png, 'application/json', /expected content-type/],
      [png, null, /expected content-type/],
    ];
    for (const [bytes, type, error] of refusals) {
      const answer = await upload(server, s, 'gm-gus', bytes, type);
      expect(answer.status, `${type}`).toBe(415);
      expect(answer.body.error, `${type}`).toMatch(error);
    }
    for (const [bytes] of refusals) expect(await server.store.assetInfo(s, sha256(bytes))).toBeNull();
    expect(await server.store.sessionAssetBytes(s)).toBe(0);
  });

  it('[API11][IMG3] 413 over the image limit — by Content-Length, while streaming, and at the default 20 MiB — and nothing is stored; exactly the limit is taken', async () => {
    const small = await start({ assets: { maxBytes: 100_000 } });
    const s = await session(small, 'maps4');
    const over = pngOfSize(100_001);
    const answer = await upload(small, s, 'gm-gus', over, 'image/png');
    expect(answer).toEqual({ status: 413, body: { error: 'body over 100000 bytes' } });

    // Streamed without a length: refused once the bytes read pass the limit, while the client is still sending.
    const head = `POST /api/sessions/${s}/assets HTTP/1.1\r\nHost: h\r\nAuthorization: ${bearer('gm-gus').authorization}\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const started = Date.now();
    const streamed = await sendRaw(small.url, [head, `${(200_000).toString(16)}\r\n`, Buffer.from(over)], 10_000);
    expect(streamed?.status).toBe(413);
    expect(JSON.parse(streamed!.body)).toEqual({ error: 'body over 100000 bytes' });
    // It did not wait for the 200,000 bytes the chunk announced, which never came (only for the drain's 2 s at most).
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await small.store.assetInfo(s, sha256(over))).toBeNull();
    expect(await small.store.sessionAssetBytes(s)).toBe(0);

    const exact = pngOfSize(100_000);
    expect((await upload(small, s, 'gm-gus', exact, 'image/png')).status).toBe(201);
    await small.dispose();

    const server = await start();
    const t = await session(server, 'maps5');
    const huge = pngOfSize(20 * MiB + 1);
    expect(await upload(server, t, 'gm-gus', huge, 'image/png')).toEqual({ status: 413, body: { error: `body over ${20 * MiB} bytes` } });
    expect(await server.store.sessionAssetBytes(t)).toBe(0);
    const largest = pngOfSize(20 * MiB);
    expect(await upload(server, t, 'gm-gus', largest, 'image/png')).toMatchObject({ status: 201, body: { size: 20 * MiB, width: 4, height: 4 } });
  }, 60_000);

  it('[API11][IMG3][AS5] the session quota: an upload that would pass it is 413 with the numbers and stores nothing; what the session has answers 200 even when full; other sessions are not touched', async () => {
    const server = await start({ assets: { maxSessionBytes: 250_000 } });
    const s = await session(server, 'maps6');
    const t = await session(server, 'maps7');
    const first = pngOfSize(120_000);
    const second = pngOfSize(120_001);
    const third = pngOfSize(20_000);
    expect((await upload(server, s, 'gm-gus', first, 'image/png')).status).toBe(201);
    expect((await upload(server, s, 'gm-gus', second, 'image/png')).status).toBe(201);
    const refused = await upload(server, s, 'gm-gus', third, 'image/png');
    expect(refused).toEqual({ status: 413, body: { error: "this session's images take 240001 of 250000 bytes: 20000 more do not fit" } });
    expect(await server.store.assetInfo(s, sha256(third))).toBeNull();
    expect(await server.store.sessionAssetBytes(s)).toBe(240_001);
    expect((await upload(server, s, 'gm-gus', first, 'image/png')).status).toBe(200);
    expect((await upload(server, t, 'gm-gus', third, 'image/png')).status).toBe(201);
    expect((await upload(server, t, 'gm-gus', first, 'image/png')).status).toBe(201);
  });
});

describe('reading images', () => {
  it('[API12][IMG1][IMG2] any member reads an image: its bytes and type, Content-Length, private immutable caching, its hash as ETag, nosniff; HEAD the same without a body', async () => {
    const server = await start();
    const s = await session(server, 'read1');
    const jpeg = jpegImage(640, 480);
    const { body } = await upload(server, s, 'gm-gus', jpeg, 'image/jpeg');
    const hash = sha256(jpeg);
    expect(body.hash).toBe(hash);
    for (const user of ['pia', 'gm-gus']) {
      const res = await read(server, s, hash, user);
      expect(res.status, user).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(jpeg)), user).toBe(true);
      expect(Object.fromEntries(['content-type', 'content-length', 'cache-control', 'etag', 'x-content-type-options'].map((h) => [h, res.headers.get(h)]))).toEqual({
        'content-type': 'image/jpeg',
        'content-length': String(jpeg.byteLength),
        'cache-control': 'private, max-age=31536000, immutable',
        etag: `"${hash}"`,
        'x-content-type-options': 'nosniff',
      });
      // No Date: a cached copy ages by its last use, not by when it was first fetched (reply.ts).
      expect(res.headers.get('date'), user).toBeNull();
    }
    const head = await read(server, s, hash, 'pia', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(jpeg.byteLength));
    expect(head.headers.get('content-type')).toBe('image/jpeg');
    expect(head.headers.get('etag')).toBe(`"${hash}"`);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('[API12] If-None-Match with its ETag (weak, listed, or *) answers 304 without a body; another tag gets the image', async () => {
    const server = await start();
    const s = await session(server, 'read2');
    const png = pngImage(16, 16);
    await upload(server, s, 'gm-gus', png, 'image/png');
    const hash = sha256(png);
    for (const tag of [`"${hash}"`, `W/"${hash}"`, `"x", "${hash}"`, '*']) {
      const res = await read(server, s, hash, 'pia', { headers: { 'if-none-match': tag } });
      expect(res.status, tag).toBe(304);
      expect(res.headers.get('etag')).toBe(`"${hash}"`);
      expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
    const other = await read(server, s, hash, 'pia', { headers: { 'if-none-match': `"${'0'.repeat(64)}"` } });
    expect(other.status).toBe(200);
    expect((await other.arrayBuffer()).byteLength).toBe(png.byteLength);
  });

  it('[API12][IMG4][IMG1] a hash the session never uploaded is 404 even when another session holds those bytes; a malformed hash 400; a non-member 403 whatever the hash', async () => {
    const server = await start();
    const a = await session(server, 'readA');
    const b = await session(server, 'readB');
    const png = pngImage(9, 9);
    const hash = sha256(png);
    await upload(server, a, 'gm-gus', png, 'image/png');
    const status = async (sessionId: string, h: string, user: string, method = 'GET') => (await read(server, sessionId, h, user, { method })).status;
    expect(await status(b, hash, 'pia')).toBe(404);
    expect(await status(b, hash, 'gm-gus', 'HEAD')).toBe(404);
    expect(await status(a, sha256(pngImage(9, 10)), 'pia')).toBe(404);
    for (const bad of ['abc', hash.toUpperCase(), `${hash}0`, hash.slice(1), 'g'.repeat(64), '%zz']) expect(await status(a, bad, 'pia'), bad).toBe(400);
    expect(await status(a, hash, 'stranger')).toBe(403);
    expect(await status(a, 'abc', 'stranger')).toBe(403);
    expect((await fetch(`${server.url}/api/sessions/${a}/assets/${hash}`)).status).toBe(401);
    expect((await read(server, a, hash, 'pia', { method: 'PUT' })).status).toBe(405);
    expect((await read(server, a, hash, 'stranger', { method: 'PUT' })).status).toBe(403);
    // Once session B uploads the same bytes itself, its members read them too.
    expect((await upload(server, b, 'gm-gus', png, 'image/png')).status).toBe(201);
    expect(await status(b, hash, 'pia')).toBe(200);
  });
});
