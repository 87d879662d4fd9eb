#!/usr/bin/env node
/**
 * Completes package-lock.json with the platform builds npm leaves out.
 *
 * npm drops optional platform packages it cannot resolve from the lockfile
 * (npm/cli#4828), and the registry mirror these machines use does not carry
 * most non-Linux builds (e.g. @rollup/rollup-darwin-arm64 answers 404). npm 11's
 * `npm ci` then refuses the lockfile as "out of sync". This script adds an
 * entry for each missing optional dependency with its version and the
 * `os`/`cpu`/`libc` its name encodes, so `npm ci` accepts the lockfile and
 * skips those packages on this platform, exactly as it would with a complete
 * lockfile. Run it after any `npm install` that changes the lockfile:
 *
 *   npm run lockfile:complete
 */
import { readFileSync, writeFileSync } from 'node:fs';

const OS = { android: 'android', darwin: 'darwin', freebsd: 'freebsd', linux: 'linux', openbsd: 'openbsd', openharmony: 'openharmony', win32: 'win32', windows: 'win32', sunos: 'sunos', netbsd: 'netbsd', aix: 'aix' };
const CPU = { arm: 'arm', arm64: 'arm64', x64: 'x64', '64': 'x64', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x', mips64el: 'mips64el' };

/** `os`/`cpu`/`libc` from names like rollup-linux-arm-musleabihf, turbo's darwin-64 or esbuild's win32-x64. */
export function platformOf(name) {
  const tokens = name.split('/').pop().split('-');
  const osIndex = tokens.findIndex((t) => t in OS);
  if (osIndex < 0) return null;
  const cpu = CPU[tokens[osIndex + 1]];
  if (cpu === undefined) return null;
  const abi = tokens.slice(osIndex + 2).join('-');
  const platform = { os: [OS[tokens[osIndex]]], cpu: [cpu] };
  if (OS[tokens[osIndex]] === 'linux') {
    if (/musl/.test(abi)) platform.libc = ['musl'];
    else if (/gnu/.test(abi)) platform.libc = ['glibc'];
  }
  return platform;
}

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    // Resolved like node does: beside the dependent first, then hoisted to the root.
    const nested = `${path ? `${path}/` : ''}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (packages[nested] || packages[hoisted]) continue;
    const platform = platformOf(dep);
    if (platform === null) continue;
    if (!/^\d+\.\d+\.\d+/.test(range)) {
      console.warn(`skipping ${dep}@${range}: not an exact version`);
      continue;
    }
    packages[hoisted] = { version: range, ...platform, optional: true };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform entries`);
