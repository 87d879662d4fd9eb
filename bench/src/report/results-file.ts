import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResults } from '../workloads/types.ts';

export const RESULTS_DIR = fileURLToPath(new URL('../../results/', import.meta.url));
export const LATEST = join(RESULTS_DIR, 'latest.json');

/** Writes a run under a timestamped name and as latest.json; returns the timestamped path. */
export function writeResults(results: RunResults): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = results.meta.startedAt.replace(/[:.]/g, '-');
  const names = [...new Set(results.results.map((r) => r.workload))].join('+');
  const path = join(RESULTS_DIR, `${stamp}-${names}${results.meta.quick ? '-quick' : ''}.json`);
  const text = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(path, text);
  writeFileSync(LATEST, text);
  return path;
}

export function readResults(path: string): RunResults {
  return JSON.parse(readFileSync(path, 'utf8')) as RunResults;
}
