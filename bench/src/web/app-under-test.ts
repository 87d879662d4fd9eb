import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** Builds what `npm start` builds (the web app when changed, the server bundle). */
export function buildApp(): void {
  execFileSync('npm', ['run', 'build:if-changed', '-w', '@dungeon-lab/web'], { cwd: REPO, stdio: 'inherit' });
  execFileSync('npm', ['run', 'bundle', '-w', '@dungeon-lab/server-app'], { cwd: REPO, stdio: 'inherit' });
}

/** The server as `npm start` runs it, serving the built app, on a free port and a fresh data directory. */
export async function startApp(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dl-web-bench-'));
  const child: ChildProcess = spawn(process.execPath, [join(REPO, 'apps/server/dist/main.mjs')], {
    cwd: REPO,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, WEB_ROOT: join(REPO, 'apps/web/dist'), LOG_LEVEL: 'warn', MALLOC_MMAP_THRESHOLD_: '131072' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)));
  });
  return {
    url,
    stop: async () => {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
