/**
 * The asset half of the LevelDB store ([AS1]..[AS8], [LAS1] in
 * docs/storage.md). The bytes of a hash are written once, as a record and
 * 1 MiB chunks, in the same batch as the first reference to them; each
 * session holds a reference carrying the size. A put runs in a per-session
 * queue, so the quota check (a sum over the session's references) and the
 * write it guards cannot be raced; LevelDB's lock ([L3]) keeps other
 * processes out. Chunks keep every value small, as a backend with a value
 * limit must, and a batch is atomic, so `kill -9` leaves an asset whole or
 * absent ([AS8]).
 */
import { createHash } from 'node:crypto';
import type { AssetInput, AssetStore, PutAssetResult, StoredAsset, StoredAssetInfo } from '@dungeon-lab/store';
import type { ClassicLevel } from 'classic-level';
import {
  assetChunkKey,
  assetChunkRange,
  assetRecordKey,
  hashBytes,
  hashHex,
  sessionAssetKey,
  sessionAssetPrefix,
  sessionAssetRange,
} from './asset-key-layout.ts';
import {
  type AssetRecord,
  checkAssetInput,
  checkQuota,
  decodeAssetRecord,
  decodeAssetReference,
  encodeAssetRecord,
  encodeAssetReference,
} from './asset-value.ts';
import type { GroupCommit, WriteOp } from './group-commit.ts';
import { createKeyedQueue } from './keyed-queue.ts';
import { readable } from './stored-json.ts';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

/** Bytes per chunk: well below any value limit a backend has (MongoDB's 16 MB), and few keys per map. */
export const ASSET_CHUNK_BYTES = 1024 * 1024;

export class LevelAssets implements AssetStore {
  readonly #db: Db;
  readonly #writes: GroupCommit;
  readonly #assertOpen: () => void;
  readonly #sessionQueue = createKeyedQueue();

  constructor(db: Db, writes: GroupCommit, assertOpen: () => void) {
    this.#db = db;
    this.#writes = writes;
    this.#assertOpen = assertOpen;
  }

  async putAsset(sessionId: string, input: AssetInput, maxSessionBytes: number): Promise<PutAssetResult> {
    this.#assertOpen();
    const prefix = sessionAssetPrefix(sessionId);
    const asset = checkAssetInput(input);
    const quota = checkQuota(maxSessionBytes);
    const hash = createHash('sha256').update(asset.data).digest();
    const reference = sessionAssetKey(prefix, hash);
    // Copied now: the caller may reuse its buffer while the write waits for its batch.
    const chunks = chunksOf(asset.data);
    const record: AssetRecord = { type: asset.type, size: asset.data.byteLength, width: asset.width, height: asset.height, chunks: chunks.length };
    return this.#sessionQueue.run(sessionId, async () => {
      this.#assertOpen();
      if ((await this.#db.get(reference)) !== undefined) return { status: 'exists', asset: infoOf(hash, await this.#record(hash)) };
      const used = await this.#used(sessionId, prefix);
      if (used + record.size > quota) return { status: 'over-quota', used };
      const ops: WriteOp[] = [{ type: 'put', key: reference, value: encodeAssetReference(record.size) }];
      // Another session brought these bytes already: their record and chunks are whole (one batch), and never change.
      const stored = await this.#db.get(assetRecordKey(hash));
      if (stored === undefined) {
        ops.push({ type: 'put', key: assetRecordKey(hash), value: encodeAssetRecord(record) });
        chunks.forEach((chunk, i) => ops.push({ type: 'put', key: assetChunkKey(hash, i), value: chunk }));
      }
      await this.#writes.write(ops);
      return { status: 'stored', asset: infoOf(hash, stored === undefined ? record : decodeRecord(hash, stored)) };
    });
  }

  async assetInfo(sessionId: string, hash: string): Promise<StoredAssetInfo | null> {
    this.#assertOpen();
    const bytes = await this.#referenced(sessionId, hash);
    return bytes === null ? null : infoOf(bytes, await this.#record(bytes));
  }

  async getAsset(sessionId: string, hash: string): Promise<StoredAsset | null> {
    this.#assertOpen();
    const bytes = await this.#referenced(sessionId, hash);
    if (bytes === null) return null;
    const record = await this.#record(bytes);
    const chunks = (await this.#db.iterator(assetChunkRange(bytes)).all()).map(([, value]) => value);
    const data = Buffer.concat(chunks);
    // A reference is written with (or after) every chunk of its bytes: anything missing is damage, never a shorter image.
    if (chunks.length !== record.chunks || data.byteLength !== record.size) {
      throw new Error(`level store: asset ${hashHex(bytes)} has ${chunks.length} chunks of ${data.byteLength} bytes, not ${record.chunks} of ${record.size}`);
    }
    return { ...infoOf(bytes, record), data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }

  async sessionAssetBytes(sessionId: string): Promise<number> {
    this.#assertOpen();
    return this.#used(sessionId, sessionAssetPrefix(sessionId));
  }

  /** The hash's bytes when `sessionId` references them; null for a hash it does not, or a string that is no hash. */
  async #referenced(sessionId: string, hash: string): Promise<Uint8Array | null> {
    const prefix = sessionAssetPrefix(sessionId);
    const bytes = hashBytes(hash);
    if (bytes === null) return null;
    return (await this.#db.get(sessionAssetKey(prefix, bytes))) === undefined ? null : bytes;
  }

  async #record(hash: Uint8Array): Promise<AssetRecord> {
    const value = await this.#db.get(assetRecordKey(hash));
    if (value === undefined) throw new Error(`level store: asset ${hashHex(hash)} is referenced but has no record`);
    return decodeRecord(hash, value);
  }

  async #used(sessionId: string, prefix: Uint8Array): Promise<number> {
    const references = await this.#db.iterator(sessionAssetRange(prefix)).all();
    let used = 0;
    for (const [, value] of references) {
      used += readable(`an asset reference of session ${JSON.stringify(sessionId)}`, () => decodeAssetReference(value));
    }
    return used;
  }
}

function decodeRecord(hash: Uint8Array, value: Uint8Array): AssetRecord {
  return readable(`asset record ${hashHex(hash)}`, () => decodeAssetRecord(value));
}

function infoOf(hash: Uint8Array, record: AssetRecord): StoredAssetInfo {
  return { hash: hashHex(hash), type: record.type, size: record.size, width: record.width, height: record.height };
}

function chunksOf(data: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < data.byteLength; at += ASSET_CHUNK_BYTES) chunks.push(data.slice(at, at + ASSET_CHUNK_BYTES));
  return chunks;
}
