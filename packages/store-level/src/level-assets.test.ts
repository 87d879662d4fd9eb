import { createHash, randomBytes } from 'node:crypto';
import { runAssetStoreConformance } from '@dungeon-lab/store/conformance';
import { describe, expect, it } from 'vitest';
import { assetChunkKey, assetRecordKey, sessionAssetKey, sessionAssetPrefix } from './asset-key-layout.ts';
import { ASSET_CHUNK_BYTES } from './level-assets.ts';
import { hex, levelTestDir, runOnLevel, text } from './level-test-dir.fixture.ts';

runOnLevel(runAssetStoreConformance, 'dl-store-level-assets-');

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const png = (data: Uint8Array) => ({ type: 'image/png', width: 2, height: 3, data });

describe('level assets', () => {
  const { open, raw } = levelTestDir('dl-store-level-assets-');

  it('[LAS1] the keys on disk are exactly the documented layout: one record and the chunks per hash, one reference per session', async () => {
    const store = await open();
    const data = new Uint8Array(randomBytes(ASSET_CHUNK_BYTES + 5));
    await store.putAsset('s', png(data), 1 << 30);
    await store.putAsset('t', png(Uint8Array.from(data)), 1 << 30);

    const entries: [string, string][] = [];
    await raw(async (db) => {
      for (const [key, value] of await db.iterator({ gte: Uint8Array.of(0x08) }).all()) entries.push([hex(key), value.byteLength > 1000 ? `${value.byteLength} bytes` : hex(value)]);
    });
    const hash = sha256(data).toString('hex');
    const size = ASSET_CHUNK_BYTES + 5;
    expect(entries).toEqual([
      [`08${hash}01`, text(`{"type":"image/png","size":${size},"width":2,"height":3,"chunks":2}`)],
      [`08${hash}0200000000`, `${ASSET_CHUNK_BYTES} bytes`],
      [`08${hash}0200000001`, hex(data.subarray(ASSET_CHUNK_BYTES))],
      [`09${'00000001'}${text('s')}01${hash}`, text(`{"size":${size}}`)],
      [`09${'00000001'}${text('t')}01${hash}`, text(`{"size":${size}}`)],
    ]);
  });

  it('[LAS1] the bytes of a hash are stored once, however many sessions put them', async () => {
    const store = await open();
    const data = new Uint8Array(randomBytes(3 * ASSET_CHUNK_BYTES + 7));
    for (const session of ['a', 'b', 'c', 'd', 'e']) expect((await store.putAsset(session, png(Uint8Array.from(data)), 1 << 30)).status).toBe('stored');
    await raw(async (db) => {
      const hash = sha256(data);
      const assetKeys = await db.keys({ gte: Uint8Array.of(0x08), lt: Uint8Array.of(0x09) }).all();
      expect(assetKeys.map(hex)).toEqual([assetRecordKey(hash), ...[0, 1, 2, 3].map((i) => assetChunkKey(hash, i))].map(hex));
      expect(await db.keys({ gte: Uint8Array.of(0x09), lt: Uint8Array.of(0x0a) }).all()).toHaveLength(5);
    });
  });

  it('[LAS1] a missing chunk, a record that cannot be read, or a reference without its record make the read reject, never answer a shorter image', async () => {
    const store = await open();
    const data = new Uint8Array(randomBytes(2 * ASSET_CHUNK_BYTES + 1));
    const small = new Uint8Array(randomBytes(10));
    const other = new Uint8Array(randomBytes(20));
    for (const d of [data, small]) await store.putAsset('s', png(d), 1 << 30);
    const [hash, smallHash, otherHash] = [data, small, other].map(sha256) as [Buffer, Buffer, Buffer];
    await raw(async (db) => {
      await db.del(assetChunkKey(hash, 1));
      await db.put(assetRecordKey(smallHash), new TextEncoder().encode('{"type":"image/png"}'));
      await db.put(sessionAssetKey(sessionAssetPrefix('s'), otherHash), new TextEncoder().encode('{"size":20}'));
    });
    const reopened = await open();
    await expect(reopened.getAsset('s', hash.toString('hex'))).rejects.toThrow(/has 2 chunks/);
    await expect(reopened.assetInfo('s', smallHash.toString('hex'))).rejects.toThrow(/asset record .* is unreadable/);
    await expect(reopened.getAsset('s', otherHash.toString('hex'))).rejects.toThrow(/referenced but has no record/);
  });
});
