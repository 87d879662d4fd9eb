// Builds the web app only when something it is built from changed since the
// last build, so `npm start` stays quick: the app's sources, the workspace
// packages it bundles, and the lockfile. The hash of those inputs is kept
// beside the output.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = fileURLToPath(new URL('..', import.meta.url));
const repo = join(app, '..', '..');
const stamp = join(app, 'dist', '.source-hash');

const inputs = [
  join(app, 'src'),
  join(app, 'public'),
  join(app, 'index.html'),
  join(app, 'vite.config.ts'),
  join(app, 'package.json'),
  join(repo, 'package-lock.json'),
  ...['client', 'client-react', 'events', 'protocol', 'plugin-api', 'plugin-dnd5e'].map((p) => join(repo, 'packages', p, 'src')),
];

function* files(path) {
  if (!existsSync(path)) return;
  if (statSync(path).isFile()) {
    yield path;
    return;
  }
  for (const entry of readdirSync(path).sort()) {
    if (entry === 'node_modules') continue;
    yield* files(join(path, entry));
  }
}

const hash = createHash('sha256');
for (const input of inputs) {
  for (const file of files(input)) {
    if (/\.(test|itest)\.tsx?$/.test(file)) continue;
    hash.update(relative(repo, file)).update('\0').update(readFileSync(file)).update('\0');
  }
}
const digest = hash.digest('hex');

if (existsSync(join(app, 'dist', 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
  console.log('web app is up to date');
} else {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: app, stdio: 'inherit' });
  writeFileSync(stamp, digest);
  console.log('web app built');
}
