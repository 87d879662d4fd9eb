import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What `npm start` builds before it runs: the web app (when its sources changed) and the server bundle. */
export default function globalSetup(): void {
  execFileSync('npm', ['run', 'build:if-changed', '-w', '@dungeon-lab/web'], { cwd: root, stdio: 'inherit' });
  execFileSync('npm', ['run', 'bundle', '-w', '@dungeon-lab/server-app'], { cwd: root, stdio: 'inherit' });
}
