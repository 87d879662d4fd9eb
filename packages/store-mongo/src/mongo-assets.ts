/**
 * Assets on MongoDB ([AS1]..[AS8], [MO1], [MO4]): the bytes of a hash once,
 * as parts of at most PART_BYTES in `asset_chunks` (`{ hash, n, data }`) and
 * a record in `asset_blobs` (`{ _id: hash, type, size, width, height,
 * chunks }`); each session's references in `asset_refs` (`{ session, hash,
 * size }`). A put is one transaction — the session's total, the check
 * against its quota, the bytes when new and the reference — that first
 * bumps the session's document in `asset_sessions`: two puts to one session
 * at once then conflict, MongoDB lets one commit and the driver runs the
 * other again, so the quota cannot be raced across processes ([AS5]) and a
 * crash leaves the whole asset or nothing ([AS8]).
 */
import { createHash } from 'node:crypto';
import type { AssetInput, AssetStore, PutAssetResult, StoredAsset, StoredAssetInfo } from '@dungeon-lab/store';
import { checkAssetInput, checkName, checkQuota, isAssetHash } from '@dungeon-lab/store/input';
import type { ClientSession } from 'mongodb';
import type { MongoContext, MongoHandles } from './mongo-context.ts';
import { type AssetBlobDoc, binary, bytesOf, type Collections, inTransaction, isDuplicateKey, PART_BYTES, unreadable } from './mongo-db.ts';

/** Puts that may meet another session storing the same bytes first, each seeing them on the next try. */
const MAX_ATTEMPTS = 3;

export class MongoAssets implements AssetStore {
  readonly #ctx: MongoContext;

  constructor(ctx: MongoContext) {
    this.#ctx = ctx;
  }

  putAsset(sessionId: string, input: AssetInput, maxSessionBytes: number): Promise<PutAssetResult> {
    return this.#ctx.run(async ({ client, c }) => {
      const session = checkName(sessionId, 'session id');
      const asset = checkAssetInput(input);
      const quota = checkQuota(maxSessionBytes);
      const hash = createHash('sha256').update(asset.data).digest('hex');
      const size = asset.data.byteLength;
      // Copied now: the caller may reuse its buffer while the transaction runs.
      const chunks = Array.from({ length: Math.ceil(size / PART_BYTES) }, (_, n) => ({ hash, n, data: binary(asset.data.subarray(n * PART_BYTES, (n + 1) * PART_BYTES)) }));
      const record: AssetBlobDoc = { _id: hash, type: asset.type, size, width: asset.width, height: asset.height, chunks: chunks.length };
      for (let attempt = 1; ; attempt++) {
        try {
          return await inTransaction(client, async (s): Promise<PutAssetResult> => {
            await c.assetSessions.updateOne({ _id: session }, { $inc: { version: 1 } }, { upsert: true, session: s });
            if ((await c.assetRefs.findOne({ session, hash }, { session: s })) !== null) {
              return { status: 'exists', asset: infoOf(await blobOf(c, hash, s)) };
            }
            const used = await usedBy(c, session, s);
            if (used + size > quota) return { status: 'over-quota', used };
            let blob = await c.assetBlobs.findOne({ _id: hash }, { session: s });
            if (blob === null) {
              // Bytes another session brought are never written again; the record comes with every chunk.
              if (chunks.length > 0) await c.assetChunks.insertMany(chunks, { session: s });
              await c.assetBlobs.insertOne(record, { session: s });
              blob = record;
            }
            await c.assetRefs.insertOne({ session, hash, size }, { session: s });
            return { status: 'stored', asset: infoOf(blob) };
          });
        } catch (err) {
          // Another session stored these bytes after this transaction read: the next attempt finds them.
          if (!isDuplicateKey(err) || attempt >= MAX_ATTEMPTS) throw err;
        }
      }
    });
  }

  assetInfo(sessionId: string, hash: string): Promise<StoredAssetInfo | null> {
    return this.#ctx.run(async (handles) => {
      const blob = await referenced(handles, sessionId, hash);
      return blob === null ? null : infoOf(blob);
    });
  }

  getAsset(sessionId: string, hash: string): Promise<StoredAsset | null> {
    return this.#ctx.run(async (handles) => {
      const blob = await referenced(handles, sessionId, hash);
      if (blob === null) return null;
      const chunks = await handles.c.assetChunks.find({ hash: blob._id }).sort({ n: 1 }).toArray();
      const data = new Uint8Array(Buffer.concat(chunks.map((chunk) => bytesOf(chunk.data, `asset ${blob._id}`))));
      // Chunks are written with their record and never change: anything missing is damage, never a shorter image.
      if (chunks.length !== blob.chunks || chunks.some((chunk, n) => chunk.n !== n) || data.byteLength !== blob.size) {
        throw unreadable(`asset ${blob._id} (${chunks.length} chunks of ${data.byteLength} bytes, not ${blob.chunks} of ${blob.size})`);
      }
      return { ...infoOf(blob), data };
    });
  }

  sessionAssetBytes(sessionId: string): Promise<number> {
    return this.#ctx.run(({ c }) => usedBy(c, checkName(sessionId, 'session id')));
  }
}

/** The blob `sessionId` references under `hash`; null when it references none, or `hash` is no hash. */
async function referenced({ c }: MongoHandles, sessionId: string, hash: string): Promise<AssetBlobDoc | null> {
  const session = checkName(sessionId, 'session id');
  if (typeof hash !== 'string') throw new TypeError('asset hash must be a string');
  if (!isAssetHash(hash) || (await c.assetRefs.findOne({ session, hash })) === null) return null;
  return blobOf(c, hash);
}

async function blobOf(c: Collections, hash: string, session?: ClientSession): Promise<AssetBlobDoc> {
  const blob = await c.assetBlobs.findOne({ _id: hash }, { session });
  if (blob === null) throw unreadable(`asset ${hash}: referenced, but it has no record`);
  return blob;
}

async function usedBy(c: Collections, session: string, s?: ClientSession): Promise<number> {
  const refs = await c.assetRefs.find({ session }, { projection: { size: 1 }, session: s }).toArray();
  return refs.reduce((total, ref) => {
    if (!Number.isSafeInteger(ref.size)) throw unreadable(`an asset reference of session ${JSON.stringify(session)}`);
    return total + ref.size;
  }, 0);
}

function infoOf(blob: AssetBlobDoc): StoredAssetInfo {
  const { _id: hash, type, size, width, height } = blob;
  if (typeof type !== 'string' || ![size, width, height].every(Number.isSafeInteger)) throw unreadable(`asset record ${hash}`);
  return { hash, type, size, width, height };
}
