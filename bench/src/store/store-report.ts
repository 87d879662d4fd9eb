import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { markedSection, sectionOf, withSection } from '../report/sections.ts';

export interface StoreBenchResults {
  readonly meta: { readonly startedAt: string; readonly node: string; readonly command: string };
  readonly store: { readonly rooms: number; readonly tables: number; readonly megabytes: number };
  readonly loads: number;
  /** LevelDB's default first (the reference), then the product's. */
  readonly settings: ReadonlyArray<{
    readonly maxOpenFiles: number;
    /** `loadDoc` of an earlier room, µs. */
    readonly returningUs: { readonly p50: number; readonly p99: number };
    /** `loadDoc` of a room never written, µs. */
    readonly newUs: { readonly p50: number; readonly p99: number };
    readonly rssFileGrowthMb: number;
    readonly mostMappedTables: number;
  }>;
}

export const STORE_SECTION = markedSection('store-bench');

const us = (v: number): string => `${v.toFixed(0)} µs`;

export function renderStoreSection(r: StoreBenchResults): string {
  const rows = r.settings.map(
    (s) =>
      `| ${s.maxOpenFiles}${s === r.settings[0] ? ' (LevelDB\'s default)' : ' (ours)'} | ${us(s.returningUs.p50)} / ${us(s.returningUs.p99)} | ` +
      `${us(s.newUs.p50)} / ${us(s.newUs.p99)} | ${s.rssFileGrowthMb.toFixed(1)} MB | ${s.mostMappedTables} |`,
  );
  return [
    STORE_SECTION.begin,
    '## The store\'s table cache',
    '',
    `The embedded store with ${r.store.rooms.toLocaleString('en-US')} rooms of 40 KB (${r.store.tables} tables, ${Math.round(r.store.megabytes)} MB on disk), ` +
      `${r.loads.toLocaleString('en-US')} room loads (\`loadDoc\`), an earlier room and a new one in turns, on Node ${r.meta.node}, ${r.meta.startedAt} ` +
      '([L10] in docs/storage.md). File-backed RSS: what the loads left mapped.',
    `Command: \`${r.meta.command}\`.`,
    '',
    '| maxOpenFiles | earlier room p50 / p99 | new room p50 / p99 | file-backed RSS added | most tables mapped |',
    '|---|---|---|---|---|',
    ...rows,
    STORE_SECTION.end,
  ].join('\n');
}

const BENCHMARKS_MD = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));

/** Puts the section into docs/benchmarks.md, replacing the previous one. */
export function writeStoreSection(r: StoreBenchResults, path = BENCHMARKS_MD): void {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  writeFileSync(path, `${withSection(current, STORE_SECTION, renderStoreSection(r)).trimEnd()}\n`);
}

/** The store section of an existing benchmarks.md, so a server-only re-render keeps it. */
export const storeSectionOf = (markdown: string): string | null => sectionOf(markdown, STORE_SECTION);
