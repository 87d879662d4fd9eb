/**
 * The browser app's files ([WEB1]..[WEB5] in docs/api.md), served through the
 * same route table as the API, on a real server with a built-app directory
 * made for the test.
 */
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, createSession, tryUpgrade } from './auth-fixture.ts';
import { type RunningServer, startServer, tempDir } from './helpers.ts';
import { isErrorBody, sendRaw } from '@dungeon-lab/testing';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const INDEX = '<!doctype html><title>Dungeon Lab</title><script type="module" src="/assets/app-abc123.js"></script>';
const APP_JS = 'console.log("app");';

let running: RunningServer | undefined;
let dir: { path: string; remove: () => Promise<void> };
let root: string;

beforeEach(async () => {
  dir = await tempDir('dl-web-');
  root = join(dir.path, 'dist');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), INDEX);
  await writeFile(join(root, 'assets', 'app-abc123.js'), APP_JS);
  const others: Record<string, string> = {
    'assets/style-def456.css': 'body{}',
    'assets/logo-1.svg': '<svg/>',
    'assets/tile-2.png': 'png',
    'assets/tile-3.webp': 'webp',
    'assets/font-4.woff2': 'woff2',
    'manifest.webmanifest': '{}',
    'config.json': '{}',
    'favicon.ico': 'ico',
    'robots.txt': 'User-agent: *',
    '.env': SECRET,
  };
  for (const [name, content] of Object.entries(others)) await writeFile(join(root, name), content);
  await writeFile(join(dir.path, 'secret.txt'), SECRET);
  await symlink(dir.path, join(root, 'link'));
});

afterEach(async () => {
  await running?.dispose();
  running = undefined;
  await dir.remove();
});

async function start(): Promise<string> {
  running = await startServer({ checksumIntervalMs: 0, auth: { mode: 'development' }, openRooms: false, web: { root } });
  return running.url;
}

describe('web app', () => {
  it('[WEB1] files answer with their content type; hashed assets are immutable, everything else no-cache; HEAD has the headers and no body', async () => {
    const url = await start();
    const types: Record<string, string> = {
      '/': 'text/html; charset=utf-8',
      '/index.html': 'text/html; charset=utf-8',
      '/assets/app-abc123.js': 'text/javascript; charset=utf-8',
      '/assets/style-def456.css': 'text/css; charset=utf-8',
      '/assets/logo-1.svg': 'image/svg+xml',
      '/assets/tile-2.png': 'image/png',
      '/assets/tile-3.webp': 'image/webp',
      '/assets/font-4.woff2': 'font/woff2',
      '/manifest.webmanifest': 'application/manifest+json',
      '/config.json': 'application/json; charset=utf-8',
      '/favicon.ico': 'image/x-icon',
      '/robots.txt': 'text/plain; charset=utf-8',
    };
    for (const [path, type] of Object.entries(types)) {
      const res = await fetch(`${url}${path}`);
      expect([res.status, res.headers.get('content-type')], path).toEqual([200, type]);
      expect(res.headers.get('cache-control'), path).toBe(path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      await res.arrayBuffer();
    }
    expect(await (await fetch(`${url}/assets/app-abc123.js`)).text()).toBe(APP_JS);
    expect(await (await fetch(`${url}/`)).text()).toBe(INDEX);

    const head = await sendRaw(url, 'HEAD /assets/app-abc123.js HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(head).toMatchObject({ status: 200, body: '', headers: { 'content-length': String(APP_JS.length), 'content-type': 'text/javascript; charset=utf-8' } });
  });

  it('[WEB2] every file has an ETag; If-None-Match with it answers 304, a changed file a new tag', async () => {
    const url = await start();
    for (const path of ['/', '/assets/app-abc123.js', '/sessions/abc']) {
      const first = await fetch(`${url}${path}`);
      await first.arrayBuffer();
      const etag = first.headers.get('etag');
      expect(etag, path).toMatch(/^W\/"[0-9a-z]+-[0-9a-z]+"$/);
      const again = await fetch(`${url}${path}`, { headers: { 'if-none-match': `"other", ${etag}` } });
      expect([again.status, again.headers.get('etag'), await again.text()], path).toEqual([304, etag, '']);
      expect((await fetch(`${url}${path}`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    }
    const before = (await fetch(`${url}/`)).headers.get('etag');
    await writeFile(join(root, 'index.html'), `${INDEX}<!-- v2 -->`);
    await utimes(join(root, 'index.html'), new Date(), new Date(Date.now() + 5_000));
    const changed = await fetch(`${url}/`, { headers: { 'if-none-match': before! } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(before);
  });

  it('[WEB3] an app route gets index.html (no-cache); a missing file with an extension is 404; /api, /healthz, /metrics, /metrics.json stay the API', async () => {
    const url = await start();
    for (const path of ['/sessions/abc', '/sessions/abc/table', '/join', '/assets']) {
      const res = await fetch(`${url}${path}`);
      expect([res.status, res.headers.get('cache-control'), await res.text()], path).toEqual([200, 'no-cache', INDEX]);
    }
    for (const path of ['/missing.js', '/assets/app-000000.js', '/deep/path/x.css']) {
      const res = await fetch(`${url}${path}`);
      expect([res.status, await res.json()], path).toEqual([404, { error: 'not found' }]);
    }
    // No app route has these characters or an empty segment: the start page does not answer for them.
    for (const target of ['//[', '/a|b', '/s/x^y', '/s//x']) {
      const res = await sendRaw(url, `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      expect([res?.status, JSON.parse(res?.body ?? 'null')], target).toEqual([404, { error: 'not found' }]);
    }
    for (const path of ['/api/nope', '/api', '/api/sessions/abc/nothing']) {
      const res = await fetch(`${url}${path}`);
      expect(res.headers.get('content-type'), path).toBe('application/json');
      expect(res.status, path).not.toBe(200);
    }
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
    expect(((await (await fetch(`${url}/metrics.json`)).json()) as { rooms: number }).rooms).toBe(0);
    const scraped = await fetch(`${url}/metrics`);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await scraped.text()).toMatch(/^dungeonlab_rooms_loaded 0$/m);
    const post = await fetch(`${url}/`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('[WEB4] no path reads outside the root: dot segments, encoded or not, %2f, backslashes, NUL, hidden files, symlinks out', async () => {
    const url = await start();
    const attempts = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2E%2E/secret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/..\\secret.txt',
      '/%5c..%5csecret.txt',
      '/..%5c..%5csecret.txt',
      '/secret.txt%00.html',
      '/%00',
      '/link/secret.txt',
      '/link/dist/index.html',
      '/.env',
      '/%2eenv',
      `/${'../'.repeat(20)}etc/passwd`,
      '/%C0%AE%C0%AE/secret.txt',
      '/%c0%af',
      '/%zz',
    ];
    for (const target of attempts) {
      const answer = await sendRaw(url, `GET ${target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
      expect(answer, target).not.toBeNull();
      expect(answer!.body, target).not.toContain(SECRET);
      expect(answer!.body, target).not.toContain('root:');
      // Either the app's index (an app route) or a 4xx {error}: never a file from elsewhere.
      if (answer!.status === 200) expect(answer!.body, target).toBe(INDEX);
      else {
        expect(answer!.status, target).toBeGreaterThanOrEqual(400);
        expect(answer!.status, target).toBeLessThan(500);
        expect(isErrorBody(answer!.body), target).toBe(true);
      }
    }
  });

  it('[WEB5] with the app served, rooms and the API answer as without it', async () => {
    const url = await start();
    const s = await createSession(url);
    const listed = await api<{ sessions: Array<{ id: string }> }>(url, 'GET', '/api/sessions', s.gm);
    expect(listed.body.sessions.map((x) => x.id)).toEqual([s.id]);
    const opened = await tryUpgrade(running!.wsUrl, `sessions/${s.id}/table`, { token: s.gm.token });
    expect(opened.opened).toBe(true);
    if (opened.opened) opened.ws.close();
    expect(await tryUpgrade(running!.wsUrl, `sessions/${s.id}/table`)).toEqual({ opened: false, status: 401 });
  });
});
