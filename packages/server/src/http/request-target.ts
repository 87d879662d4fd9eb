/**
 * The URL of a request target (RFC 9112 §3.2), or null when it is none the
 * server serves. Origin-form (`/path?query`) is a path, never an authority:
 * `//%00/` is the path `//%00/`, not a host `%00` (which `new URL(target,
 * base)` would make of it, and throw). Absolute-form (`http://host/path`,
 * what proxies send) must parse as an http(s) or ws(s) URL. Anything else —
 * `*`, authority-form, a bare word, an absolute URL that does not parse — is
 * null, which callers answer with 400.
 */
const ORIGIN = 'http://localhost';
const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:']);

export function parseRequestTarget(target: string | undefined): URL | null {
  if (target === undefined || target === '') return null;
  try {
    if (target.startsWith('/')) return new URL(ORIGIN + target);
    if (!ABSOLUTE.test(target)) return null;
    const url = new URL(target);
    return SCHEMES.has(url.protocol) ? url : null;
  } catch {
    return null;
  }
}
