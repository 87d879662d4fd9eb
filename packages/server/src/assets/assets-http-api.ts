import { ASSET_TYPES, isAssetHash } from '@dungeon-lab/protocol';
import type { AssetStore, StoredAssetInfo } from '@dungeon-lab/store';
import { type Audit, AuditAction } from '../audit/audit-entry.ts';
import { ifNoneMatchHits } from '../http/etag.ts';
import { HttpError } from '../http/http-error.ts';
import { type Headers, json, type Reply } from '../http/reply.ts';
import type { RawBody } from '../http/request-body.ts';
import type { Route } from '../http/route.ts';
import { readImageHeader } from './image-header.ts';

/** How large uploaded images may be ([API11]; `MAX_ASSET_BYTES`, `MAX_SESSION_ASSET_BYTES` in apps/server). */
export interface AssetLimits {
  /** Largest image one upload may carry. */
  readonly maxBytes: number;
  /** Most bytes of images one session may hold, each distinct image counted once. */
  readonly maxSessionBytes: number;
}

export interface AssetsApiContext {
  readonly store: AssetStore;
  readonly audit: Audit;
  readonly limits: AssetLimits;
}

/** An image's URL names its bytes, so what a member once read never changes: cached for a year, by the member's browser only. */
const CACHE_CONTROL = 'private, max-age=31536000, immutable';

/**
 * Map and token images (docs/api.md [API11], [API12]): a GM uploads the raw
 * bytes of a PNG, JPEG or WebP; the store keeps them under their SHA-256 for
 * the session; every member reads them back by that hash. Who may call is
 * declared per route and checked by the dispatcher first; the body is read
 * within `limits.maxBytes` only then.
 */
export function assetRoutes(ctx: AssetsApiContext): Route[] {
  const { store, audit, limits } = ctx;
  return [
    {
      method: 'POST',
      path: '/api/sessions/:sessionId/assets',
      access: 'member',
      gmOnly: 'only a GM may upload images',
      body: { types: ASSET_TYPES, maxBytes: limits.maxBytes },
      async handle({ sessionId, caller, body }) {
        const { type, bytes } = body as RawBody;
        // What the bytes are decides, never what the request says they are.
        const image = readImageHeader(bytes);
        if (!image.ok) throw new HttpError(415, `${image.error}; expected ${type}`);
        if (image.type !== type) throw new HttpError(415, `the body is ${image.type}, not ${type}`);
        const result = await store.putAsset(sessionId, { type, width: image.width, height: image.height, data: bytes }, limits.maxSessionBytes);
        if (result.status === 'over-quota') {
          throw new HttpError(413, `this session's images take ${result.used} of ${limits.maxSessionBytes} bytes: ${bytes.byteLength} more do not fit`);
        }
        if (result.status === 'exists') return json(200, infoView(result.asset));
        audit.record(sessionId, {
          actor: caller.userId,
          action: AuditAction.AssetUploaded,
          outcome: 'ok',
          target: result.asset.hash,
          data: { type: result.asset.type, size: result.asset.size },
        });
        return json(201, infoView(result.asset));
      },
    },
    {
      method: 'GET',
      path: '/api/sessions/:sessionId/assets/:hash',
      access: 'member',
      async handle({ sessionId, params, req }): Promise<Reply> {
        const hash = params.hash!;
        if (!isAssetHash(hash)) throw new HttpError(400, 'hash must be 64 lowercase hex digits (a SHA-256)');
        const info = await store.assetInfo(sessionId, hash);
        if (info === null) throw new HttpError(404, 'no such image in this session');
        const etag = `"${hash}"`;
        if (ifNoneMatchHits(req.headers['if-none-match'], etag)) return { kind: 'empty', status: 304, headers: { etag, 'cache-control': CACHE_CONTROL } };
        const headers: Headers = { etag, 'cache-control': CACHE_CONTROL, 'content-type': info.type, 'x-content-type-options': 'nosniff' };
        // HEAD answers what GET would without reading the bytes.
        if (req.method === 'HEAD') return { kind: 'empty', status: 200, headers: { ...headers, 'content-length': String(info.size) } };
        const asset = await store.getAsset(sessionId, hash);
        // Assets are never removed, so what the info read found is there: a null here is the store's fault.
        if (asset === null) throw new Error(`asset ${hash} of session ${sessionId} vanished between two reads`);
        return { kind: 'bytes', data: asset.data, headers };
      },
    },
  ];
}

function infoView(asset: StoredAssetInfo): { hash: string; type: string; size: number; width: number; height: number } {
  return { hash: asset.hash, type: asset.type, size: asset.size, width: asset.width, height: asset.height };
}
