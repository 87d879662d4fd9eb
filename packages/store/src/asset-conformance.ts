/**
 * The asset half of the conformance suite: rules [AS1]..[AS7] of
 * docs/storage.md, black-box through `AssetStore` (plus documents, logs and
 * sessions, to prove assets do not mix with them). [AS8] (kill -9) needs a
 * real process and is proved by each backend's own tests.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect } from 'vitest';
import { type ConformanceTarget, digest as sha256, expectBytes, freshTargetPerTest, type Harness, type SuiteOptions, suiteTest } from './conformance-harness.ts';
import type { AssetInput, StoredAssetInfo, Store } from './store.ts';

const MiB = 1024 * 1024;
const LARGE_TEST_TIMEOUT_MS = 60_000;
/** A quota no test reaches. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** Registers the asset conformance `describe` block; `createTarget` is called once per test. */
export function runAssetStoreConformance(backendName: string, createTarget: () => Promise<ConformanceTarget<Store>>, options: SuiteOptions = {}): void {
  describe(`AssetStore conformance: ${backendName}`, () => {
    const it = suiteTest(options);
    let h: Harness<Store>;
    let store: Store;

    freshTargetPerTest(createTarget, (harness, opened) => {
      h = harness;
      store = opened;
    });

    it('[AS1] a session that never put an asset has none: info and bytes read null, its total is 0', async () => {
      const hash = sha256(Uint8Array.of(1));
      expect(await store.assetInfo('s', hash)).toBeNull();
      expect(await store.getAsset('s', hash)).toBeNull();
      expect(await store.sessionAssetBytes('s')).toBe(0);
      // Strings that are no lowercase hex SHA-256 name nothing either.
      for (const name of ['', 'x', hash.toUpperCase(), `${hash}0`, hash.slice(1), '../etc/passwd', `${'g'.repeat(64)}`]) {
        expect(await store.assetInfo('s', name), name).toBeNull();
        expect(await store.getAsset('s', name), name).toBeNull();
      }
    });

    it('[AS2] putAsset stores the bytes byte-exact under their SHA-256 with type, size and pixel size; info and bytes read back', async () => {
      const data = new Uint8Array(randomBytes(3000));
      const input = asset(data, { type: 'image/webp', width: 640, height: 480 });
      const expected: StoredAssetInfo = { hash: sha256(data), type: 'image/webp', size: 3000, width: 640, height: 480 };
      expect(await store.putAsset('s', input, NO_LIMIT)).toEqual({ status: 'stored', asset: expected });
      expect(await store.assetInfo('s', expected.hash)).toEqual(expected);
      const read = await store.getAsset('s', expected.hash);
      expect({ ...read, data: undefined }).toEqual({ ...expected, data: undefined });
      expectBytes(read?.data, data);
      expect(await store.sessionAssetBytes('s')).toBe(3000);
    });

    it(
      '[AS2] sizes around chunk boundaries and up to 20 MiB round-trip byte-exact, also subarray views',
      async () => {
        const backing = randomBytes(MiB + 64);
        const inputs = [
          new Uint8Array(0),
          Uint8Array.of(7),
          new Uint8Array(randomBytes(MiB - 1)),
          new Uint8Array(randomBytes(MiB)),
          new Uint8Array(randomBytes(MiB + 1)),
          new Uint8Array(backing.buffer, backing.byteOffset + 17, MiB + 3),
          new Uint8Array(randomBytes(5 * MiB + 3)),
          new Uint8Array(randomBytes(20 * MiB)),
        ];
        const copies = inputs.map((d) => Uint8Array.from(d));
        for (const data of inputs) expect((await store.putAsset('big', asset(data), NO_LIMIT)).status).toBe('stored');
        const check = async (): Promise<void> => {
          for (const data of copies) {
            const read = await store.getAsset('big', sha256(data));
            expect(read?.size, `size ${data.byteLength}`).toBe(data.byteLength);
            expectBytes(read?.data, data, `asset of ${data.byteLength} bytes`);
          }
          expect(await store.sessionAssetBytes('big')).toBe(copies.reduce((n, d) => n + d.byteLength, 0));
        };
        await check();
        store = await h.reopen(store);
        await check();
      },
      LARGE_TEST_TIMEOUT_MS,
    );

    it('[AS2] stored bytes do not change when the caller mutates its input or the bytes it read', async () => {
      const data = new Uint8Array(randomBytes(MiB + 10));
      const copy = Uint8Array.from(data);
      const { hash } = (await store.putAsset('s', asset(data), NO_LIMIT) as { asset: StoredAssetInfo }).asset;
      data.fill(0);
      const read = await store.getAsset('s', hash);
      expectBytes(read?.data, copy);
      read?.data.fill(1);
      expectBytes((await store.getAsset('s', hash))?.data, copy);
    });

    it('[AS3] the same bytes put again answer exists with the stored asset and take nothing more; of concurrent puts exactly one stores', async () => {
      const data = new Uint8Array(randomBytes(2 * MiB + 5));
      const first = await store.putAsset('s', asset(data, { type: 'image/png', width: 10, height: 20 }), NO_LIMIT);
      expect(first.status).toBe('stored');
      const stored = (first as { asset: StoredAssetInfo }).asset;
      // What the store keeps is what the first put said; a second put cannot change it.
      expect(await store.putAsset('s', asset(Uint8Array.from(data), { type: 'image/jpeg', width: 1, height: 1 }), NO_LIMIT)).toEqual({ status: 'exists', asset: stored });
      expect(await store.sessionAssetBytes('s')).toBe(data.byteLength);
      expect(await store.assetInfo('s', stored.hash)).toEqual(stored);

      const other = new Uint8Array(randomBytes(100));
      const results = await Promise.all(Array.from({ length: 8 }, () => store.putAsset('s', asset(Uint8Array.from(other)), NO_LIMIT)));
      expect(results.filter((r) => r.status === 'stored')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'exists')).toHaveLength(7);
      expect(await store.sessionAssetBytes('s')).toBe(data.byteLength + 100);
    });

    it('[AS4] sessions are isolated: an asset is read only in a session that put it, and each counts its own', async () => {
      const data = new Uint8Array(randomBytes(MiB + 2));
      const hash = sha256(data);
      const ids = ['a', 'ab', 'a/b', 'a\u0000', 'é', 'e\u0301', '🎲', ''];
      expect((await store.putAsset('a', asset(data), NO_LIMIT)).status).toBe('stored');
      for (const id of ids.slice(1)) {
        expect(await store.assetInfo(id, hash), JSON.stringify(id)).toBeNull();
        expect(await store.getAsset(id, hash), JSON.stringify(id)).toBeNull();
        expect(await store.sessionAssetBytes(id), JSON.stringify(id)).toBe(0);
      }
      // Another session bringing the same bytes gets a reference of its own: `stored`, and counted there.
      expect((await store.putAsset('🎲', asset(Uint8Array.from(data)), NO_LIMIT)).status).toBe('stored');
      expectBytes((await store.getAsset('🎲', hash))?.data, data);
      expectBytes((await store.getAsset('a', hash))?.data, data);
      expect(await store.sessionAssetBytes('🎲')).toBe(data.byteLength);
      expect(await store.assetInfo('ab', hash)).toBeNull();

      // Documents, logs and sessions of the same name share nothing with assets.
      await store.appendUpdates('a', [Uint8Array.of(1)]);
      await store.appendEvents('a', [{ sequence: 1, id: hash, data: Uint8Array.of(2) }]);
      await store.createSession({ id: 'a', name: 'n', joinCode: 'c', createdBy: 'g', createdAt: 1 });
      expect((await store.loadDoc('a')).rows).toHaveLength(1);
      expect(await store.lastSequence('a')).toBe(1);
      expect(await store.listMembers('a')).toEqual([{ userId: 'g', role: 'gm', joinedAt: 1 }]);
      expect(await store.sessionAssetBytes('a')).toBe(data.byteLength);
    });

    it('[AS5] a put that would take the session past its quota answers over-quota and stores nothing; exactly the quota is allowed', async () => {
      const a = new Uint8Array(randomBytes(600));
      const b = new Uint8Array(randomBytes(500));
      const c = new Uint8Array(randomBytes(400));
      expect((await store.putAsset('s', asset(a), 1000)).status).toBe('stored');
      expect(await store.putAsset('s', asset(b), 1000)).toEqual({ status: 'over-quota', used: 600 });
      expect(await store.assetInfo('s', sha256(b))).toBeNull();
      expect(await store.getAsset('s', sha256(b))).toBeNull();
      expect(await store.sessionAssetBytes('s')).toBe(600);
      expect((await store.putAsset('s', asset(c), 1000)).status).toBe('stored');
      expect(await store.sessionAssetBytes('s')).toBe(1000);
      // What the session already holds answers exists, quota or not: it costs nothing.
      expect((await store.putAsset('s', asset(Uint8Array.from(a)), 0)).status).toBe('exists');
      // The quota is the session's: another session may store what this one may not.
      expect((await store.putAsset('t', asset(b), 1000)).status).toBe('stored');
      expect(await store.putAsset('s', asset(Uint8Array.from(b)), 1000)).toEqual({ status: 'over-quota', used: 1000 });
      expect(await store.assetInfo('s', sha256(b))).toBeNull();
      expect(await store.putAsset('u', asset(new Uint8Array(1)), 0)).toEqual({ status: 'over-quota', used: 0 });
      expect(await store.putAsset('u', asset(new Uint8Array(0)), 0)).toMatchObject({ status: 'stored' });
    });

    it('[AS5] concurrent puts cannot race past the quota', async () => {
      const puts = Array.from({ length: 12 }, () => new Uint8Array(randomBytes(300)));
      const results = await Promise.all(puts.map((data) => store.putAsset('s', asset(data), 1000)));
      const stored = puts.filter((_, i) => results[i]?.status === 'stored');
      expect(stored).toHaveLength(3);
      expect(results.filter((r) => r.status === 'over-quota')).toHaveLength(9);
      expect(await store.sessionAssetBytes('s')).toBe(900);
      for (const [i, data] of puts.entries()) {
        expect(await store.assetInfo('s', sha256(data)) !== null, `put ${i}`).toBe(results[i]?.status === 'stored');
      }
    });

    it('[AS6] stored assets survive close and reopen, with their references and totals', async () => {
      const one = new Uint8Array(randomBytes(MiB + 7));
      const two = new Uint8Array(randomBytes(33));
      await store.putAsset('s', asset(one, { type: 'image/jpeg', width: 3, height: 4 }), NO_LIMIT);
      await store.putAsset('s', asset(two), NO_LIMIT);
      await store.putAsset('t', asset(Uint8Array.from(two)), NO_LIMIT);
      store = await h.reopen(store);
      expect(await store.assetInfo('s', sha256(one))).toEqual({ hash: sha256(one), type: 'image/jpeg', size: one.byteLength, width: 3, height: 4 });
      expectBytes((await store.getAsset('s', sha256(one)))?.data, one);
      expectBytes((await store.getAsset('t', sha256(two)))?.data, two);
      expect(await store.assetInfo('t', sha256(one))).toBeNull();
      expect(await store.sessionAssetBytes('s')).toBe(one.byteLength + 33);
      expect(await store.putAsset('s', asset(Uint8Array.from(one)), NO_LIMIT)).toMatchObject({ status: 'exists' });
    });

    it('[AS7] invalid input rejects with an Error and stores nothing', async () => {
      const data = new Uint8Array(randomBytes(50));
      const bad: [string, () => Promise<unknown>][] = [
        ['a type that is no string', () => store.putAsset('s', { ...asset(data), type: 7 as unknown as string }, NO_LIMIT)],
        ['an empty type', () => store.putAsset('s', { ...asset(data), type: '' }, NO_LIMIT)],
        ['a fractional width', () => store.putAsset('s', { ...asset(data), width: 1.5 }, NO_LIMIT)],
        ['a negative height', () => store.putAsset('s', { ...asset(data), height: -1 }, NO_LIMIT)],
        ['data that is no Uint8Array', () => store.putAsset('s', { ...asset(data), data: 'bytes' as unknown as Uint8Array }, NO_LIMIT)],
        ['a quota that is no safe integer', () => store.putAsset('s', asset(data), Number.NaN)],
        ['a negative quota', () => store.putAsset('s', asset(data), -1)],
        ['a session id that is no string', () => store.putAsset(1 as unknown as string, asset(data), NO_LIMIT)],
        ['assetInfo of a session id that is no string', () => store.assetInfo(null as unknown as string, sha256(data))],
        ['getAsset of a hash that is no string', () => store.getAsset('s', 5 as unknown as string)],
        ['sessionAssetBytes of a session id that is no string', () => store.sessionAssetBytes({} as unknown as string)],
      ];
      for (const [what, call] of bad) await expect(call(), what).rejects.toBeInstanceOf(Error);
      expect(await store.assetInfo('s', sha256(data))).toBeNull();
      expect(await store.sessionAssetBytes('s')).toBe(0);
    });

    it('[AS7] every asset operation after close rejects with an Error and stores nothing', async () => {
      const data = new Uint8Array(randomBytes(50));
      await store.putAsset('s', asset(data), NO_LIMIT);
      await h.close(store);
      const other = new Uint8Array(randomBytes(60));
      const calls: [string, () => Promise<unknown>][] = [
        ['putAsset', () => store.putAsset('s', asset(other), NO_LIMIT)],
        ['assetInfo', () => store.assetInfo('s', sha256(data))],
        ['getAsset', () => store.getAsset('s', sha256(data))],
        ['sessionAssetBytes', () => store.sessionAssetBytes('s')],
      ];
      for (const [what, call] of calls) await expect(call(), what).rejects.toBeInstanceOf(Error);
      store = await h.open();
      expect(await store.assetInfo('s', sha256(other))).toBeNull();
      expect(await store.sessionAssetBytes('s')).toBe(50);
    });
  });
}

function asset(data: Uint8Array, info: Partial<Omit<AssetInput, 'data'>> = {}): AssetInput {
  return { type: 'image/png', width: 64, height: 32, ...info, data };
}
