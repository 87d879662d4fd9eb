import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markedSection, sectionOf, withSection } from '../report/sections.ts';
import { REPO } from './app-under-test.ts';

export interface WebResults {
  readonly meta: { startedAt: string; chromium: string; node: string; runs: number; seconds: number; tokens: number; command: string };
  readonly tableShownMs: { median: number; max: number; all: number[] };
  readonly frameIntervalMs: { p50: number; p95: number; p99: number; max: number; frames: number };
  readonly rendersPerRemoteMove: number;
  readonly remoteMoves: number;
  readonly initialJsGzipBytes: number;
  readonly initialJsFiles: string[];
}

interface WebTarget {
  readonly what: string;
  readonly bound: string;
  readonly value: (r: WebResults) => string;
  readonly met: (r: WebResults) => boolean;
}

/** The browser app's targets (issue: "The VTT in the browser, part 1", benchmark). */
export const WEB_TARGETS: readonly WebTarget[] = [
  { what: 'table shown with 200 tokens, warm cache (median of runs)', bound: '≤ 1,000 ms', value: (r) => `${r.tableShownMs.median.toFixed(0)} ms (max ${r.tableShownMs.max.toFixed(0)})`, met: (r) => r.tableShownMs.median <= 1000 },
  { what: 'frame interval p95 while a remote client moves 20 tokens/s', bound: '≤ 20 ms', value: (r) => `${r.frameIntervalMs.p95.toFixed(1)} ms (p50 ${r.frameIntervalMs.p50.toFixed(1)}, p99 ${r.frameIntervalMs.p99.toFixed(1)})`, met: (r) => r.frameIntervalMs.p95 <= 20 },
  { what: 'token components rendered per remote move', bound: '= 1', value: (r) => `${r.rendersPerRemoteMove.toFixed(2)} (${r.remoteMoves} moves)`, met: (r) => Math.abs(r.rendersPerRemoteMove - 1) < 0.05 },
  { what: 'initial JavaScript, gzipped', bound: '≤ 250 KB', value: (r) => `${(r.initialJsGzipBytes / 1024).toFixed(1)} KB`, met: (r) => r.initialJsGzipBytes <= 250 * 1024 },
];

export const WEB_SECTION = markedSection('web-bench');

export function renderWebSection(r: WebResults): string {
  const rows = WEB_TARGETS.map((t) => `| ${t.what} | ${t.value(r)} | ${t.bound} | ${t.met(r) ? 'met' : '**missed**'} |`);
  return [
    WEB_SECTION.begin,
    '## The browser app',
    '',
    `Headless Chromium ${r.meta.chromium} on this machine, Node ${r.meta.node}, ${r.meta.startedAt}; a table of ${r.meta.tokens} tokens served by the bundle \`npm start\` runs.`,
    `Command: \`${r.meta.command}\` (results in \`bench/results/web-latest.json\`).`,
    '',
    '| measure | result | target | |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Initial JavaScript: ${r.initialJsFiles.map((f) => `\`${f}\``).join(', ')}. Table shown per run: ${r.tableShownMs.all.map((v) => v.toFixed(0)).join(', ')} ms.`,
    WEB_SECTION.end,
  ].join('\n');
}

/** Puts the section into docs/benchmarks.md, replacing the previous one (the server section around it is render-docs.ts's). */
export function writeWebSection(r: WebResults, path = join(REPO, 'docs/benchmarks.md')): void {
  const section = renderWebSection(r);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  writeFileSync(path, `${withWebSection(current, section).trimEnd()}\n`);
}

/** `markdown` with its web section replaced by `section` (appended when it has none). */
export const withWebSection = (markdown: string, section: string): string => withSection(markdown, WEB_SECTION, section);

/** The web section of an existing benchmarks.md, so a server-only re-render keeps it. */
export const webSectionOf = (markdown: string): string | null => sectionOf(markdown, WEB_SECTION);
