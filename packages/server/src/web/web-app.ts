import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { ifNoneMatchHits } from '../http/etag.ts';
import { HttpError } from '../http/http-error.ts';
import type { Reply } from '../http/reply.ts';
import type { Route } from '../http/route.ts';

/** Serving the browser app's built files ([WEB1]..[WEB5] in docs/api.md). */
export interface WebAppOptions {
  /** The directory Vite built the app into: `index.html` and `assets/`. */
  readonly root: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names what it emits under `assets/` by content hash: a changed file is a new URL, so these never go stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html first) is asked for again each time, answered 304 while its ETag holds. */
const REVALIDATE = 'no-cache';

/**
 * GET (and HEAD) of any path the API table did not take: a file of the app,
 * or `index.html` for an app route (no extension, no such file) so the
 * browser's router can take it from there. Goes last in the route table.
 */
export function webAppRoutes(options: WebAppOptions): Route[] {
  const root = resolve(options.root);
  // Resolved once: a symlink inside the root that leads out of it is not served.
  let realRoot: Promise<string> | undefined;
  const files = { root, realRoot: () => (realRoot ??= realpath(root)) };
  return [
    {
      method: 'GET',
      path: '/*',
      access: 'public',
      handle: ({ url, req }) => serveApp(files, url.pathname, req.headers['if-none-match']),
    },
  ];
}

interface Files {
  readonly root: string;
  realRoot(): Promise<string>;
}

/**
 * What the app's own routes are made of (`/`, `/join/<id>`, `/s/<id>`:
 * letters, digits, `-._~`, percent-escapes, single slashes). A path outside
 * that — `//[`, `/a|b` — cannot be a page of the app and is not found, rather
 * than the app's start page answering for garbage ([WEB3]).
 */
const APP_ROUTE = /^(?:\/[A-Za-z0-9._~%-]+)*\/?$/;

async function serveApp(files: Files, pathname: string, ifNoneMatch: string | undefined): Promise<Reply> {
  const segments = appPath(pathname);
  const file = await servable(files, segments);
  if (file !== null) {
    const immutable = segments[0] === 'assets' && segments.length > 1;
    return fileReply(file.path, file.info, immutable ? IMMUTABLE : REVALIDATE, ifNoneMatch);
  }
  if (extname(segments.at(-1) ?? '') !== '' || !APP_ROUTE.test(pathname)) throw new HttpError(404, 'not found');
  const index = await servable(files, ['index.html']);
  if (index === null) throw new HttpError(404, 'not found');
  return fileReply(index.path, index.info, REVALIDATE, ifNoneMatch);
}

/**
 * The decoded segments of a path inside the root. The URL parser has already
 * resolved `.` and `..` (also as `%2e`) and turned `\` into `/`; what is left
 * to refuse is what decoding makes of the rest: `%2f`, `%5c` and NUL inside a
 * segment, and a segment that decodes to a dot name.
 */
function appPath(pathname: string): string[] {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new HttpError(400, 'path is not valid percent-encoding');
      }
    });
  for (const s of segments) {
    if (s.includes('/') || s.includes('\\') || s.includes('\0')) throw new HttpError(400, 'invalid path');
  }
  return segments;
}

/** The file the segments name, if it is a regular file really inside the root; hidden files never are. */
async function servable(files: Files, segments: readonly string[]): Promise<{ path: string; info: Stats } | null> {
  if (segments.length === 0 || segments.some((s) => s.startsWith('.'))) return null;
  const path = join(files.root, ...segments);
  if (!path.startsWith(files.root + sep)) return null;
  const info = await stat(path).catch(() => null);
  if (info === null || !info.isFile()) return null;
  const real = await realpath(path).catch(() => null);
  return real !== null && real.startsWith((await files.realRoot()) + sep) ? { path, info } : null;
}

function fileReply(path: string, info: Stats, cacheControl: string, ifNoneMatch: string | undefined): Reply {
  const etag = `W/"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`;
  const headers = { etag, 'cache-control': cacheControl };
  if (ifNoneMatchHits(ifNoneMatch, etag)) return { kind: 'empty', status: 304, headers };
  return {
    kind: 'file',
    path,
    size: info.size,
    headers: {
      ...headers,
      'content-type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
    },
  };
}
