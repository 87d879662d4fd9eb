/**
 * A session's images as the server and the client both name them (docs/api.md
 * [API11], [API12]): the media types an upload may have, what a hash looks
 * like, and the path an image is read from. Declared here once so the
 * client's checks and the server's routes cannot drift apart.
 */

/** The image types a GM may upload: what every browser decodes. */
export const ASSET_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

export function isAssetType(value: unknown): value is AssetType {
  return typeof value === 'string' && (ASSET_TYPES as readonly string[]).includes(value);
}

/** An image's name: the lowercase hex SHA-256 of its bytes. */
const ASSET_HASH = /^[0-9a-f]{64}$/;

export function isAssetHash(value: unknown): value is string {
  return typeof value === 'string' && ASSET_HASH.test(value);
}

/** `/api/sessions/:id/assets`: where a GM uploads (POST). */
export function assetsPath(sessionId: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/assets`;
}

/** `/api/sessions/:id/assets/:hash`: where members read an image (GET, HEAD); one URL per image, forever. */
export function assetPath(sessionId: string, hash: string): string {
  return `${assetsPath(sessionId)}/${encodeURIComponent(hash)}`;
}
