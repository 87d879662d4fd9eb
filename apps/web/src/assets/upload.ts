import { ASSET_TYPES, type AssetType, type SessionClient, isAssetType } from '@dungeon-lab/client';

/** What the server takes by default ([API11] in docs/api.md): PNG, JPEG or WebP up to 20 MiB. */
export const IMAGE_TYPES: readonly AssetType[] = ASSET_TYPES;
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;


export interface UploadedImage {
  readonly hash: string;
  readonly width: number;
  readonly height: number;
}

export type UploadOutcome = { readonly ok: true; readonly image: UploadedImage } | { readonly ok: false; readonly message: string };

/** Checks what the server would refuse before sending 20 MB for nothing, then uploads. */
export async function uploadImage(client: SessionClient, file: File): Promise<UploadOutcome> {
  const type = file.type;
  if (!isAssetType(type)) return { ok: false, message: `${file.name} is not a PNG, JPEG or WebP image.` };
  if (file.size > MAX_IMAGE_BYTES) return { ok: false, message: `${file.name} is ${(file.size / 1048576).toFixed(1)} MB; images can be up to 20 MB.` };
  if (client.api === null) return { ok: false, message: 'This table has no connection to the server’s API.' };
  const answer = await client.api.uploadAsset(client.sessionId, file, type);
  if (!answer.ok) {
    const why = answer.status === 0 ? 'the server cannot be reached — uploads need the network' : answer.error;
    return { ok: false, message: `Could not upload ${file.name}: ${why}.` };
  }
  return { ok: true, image: { hash: answer.data.hash, width: answer.data.width, height: answer.data.height } };
}

/** Cells across and down a map's file name announces ("River [10x15].png"), the way map makers name their files. */
export function cellsFromName(name: string): { width: number; height: number } | null {
  const m = /\[\s*(\d{1,3})\s*[x×]\s*(\d{1,3})\s*\]/i.exec(name);
  if (m === null) return null;
  const width = Number(m[1]);
  const height = Number(m[2]);
  return width > 0 && height > 0 ? { width, height } : null;
}
