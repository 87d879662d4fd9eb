/**
 * Values of asset keys: UTF-8 JSON, checked on the way in (bad input is
 * refused before anything is written) and on the way out (an unreadable value
 * rejects the read rather than being skipped or guessed, as [LM2] does for
 * members).
 */
import { isCount } from '@dungeon-lab/store/input';
import { parseJsonObject as parse } from './stored-json.ts';

export { checkAssetInput, checkQuota } from '@dungeon-lab/store/input';

/** What the store keeps about the bytes of a hash, besides the chunks: whose count says when they are all there. */
export interface AssetRecord {
  readonly type: string;
  readonly size: number;
  readonly width: number;
  readonly height: number;
  readonly chunks: number;
}

const encoder = new TextEncoder();

export function encodeAssetRecord(record: AssetRecord): Uint8Array {
  const { type, size, width, height, chunks } = record;
  return encoder.encode(JSON.stringify({ type, size, width, height, chunks }));
}

export function decodeAssetRecord(value: Uint8Array): AssetRecord {
  const { type, size, width, height, chunks } = parse(value) as Partial<AssetRecord>;
  if (typeof type !== 'string' || type === '') throw new TypeError('asset record: type missing');
  if (!isCount(size) || !isCount(width) || !isCount(height) || !isCount(chunks)) throw new TypeError('asset record: a count is not a non-negative safe integer');
  return { type, size, width, height, chunks };
}

/** A session's reference carries the size, so its quota is one range read of its own keys. */
export function encodeAssetReference(size: number): Uint8Array {
  return encoder.encode(JSON.stringify({ size }));
}

export function decodeAssetReference(value: Uint8Array): number {
  const { size } = parse(value) as { size?: unknown };
  if (!isCount(size)) throw new TypeError('asset reference: size is not a non-negative safe integer');
  return size;
}
