import { CONTENDED_FOREIGN_CPU } from '../host/resource-meter.ts';
import { REFERENCE_TARGETS, type TargetName } from '../targets/registry.ts';
import type { Measurement, WorkloadResult } from '../workloads/types.ts';
import { formatNumber, formatRatio, ratio } from './format.ts';

export interface Table {
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  readonly footnotes: readonly string[];
}

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && !Number.isNaN(value);
}

function isContended(foreign: { serverCore: number; loadgenCore: number }): boolean {
  return foreign.serverCore > CONTENDED_FOREIGN_CPU || foreign.loadgenCore > CONTENDED_FOREIGN_CPU;
}

/** Marks figures measured while the load generator was near saturation. */
export const UNRELIABLE_MARK = '*';

/**
 * One table per workload: a row per scenario and metric, a column per target
 * and one ratio column ours ÷ each reference. A row for the load generator's
 * CPU share closes each scenario, since it decides how far the others can be trusted.
 */
export function buildTable(result: WorkloadResult): Table {
  const targets = result.targets;
  const notApplicable = result.notApplicable ?? {};
  // A reference without the feature has nothing to divide by: no column rather than a column of dashes.
  const ratioTargets =
    targets.includes('ours') && !notApplicable.ours ? REFERENCE_TARGETS.filter((t) => targets.includes(t) && !notApplicable[t]) : [];
  const header = ['scenario', 'metric', ...targets, ...ratioTargets.map((t) => `ours ÷ ${t}`)];
  const find = (target: TargetName, scenario: string): Measurement | undefined =>
    result.measurements.find((m) => m.target === target && m.scenario === scenario);
  const rows: string[][] = [];
  let anyUnreliable = false;
  let anyContended = false;
  for (const scenario of result.scenarios) {
    const present = targets.some((t) => find(t, scenario));
    if (!present) continue;
    for (const metric of result.metrics) {
      const cells = targets.map((t) => {
        const m = find(t, scenario);
        if (!m) return notApplicable[t] ? 'n/a' : result.failures[t] ? 'failed' : '—';
        const text = formatNumber(m.metrics[metric.key], metric.digits);
        return m.unreliable && text !== '—' ? `${text}${UNRELIABLE_MARK}` : text;
      });
      const ratios = ratioTargets.map((t) =>
        formatRatio(ratio(find('ours', scenario)?.metrics[metric.key], find(t, scenario)?.metrics[metric.key]), metric.better),
      );
      rows.push([scenario, metric.unit ? `${metric.label} (${metric.unit})` : metric.label, ...cells, ...ratios]);
    }
    rows.push([
      scenario,
      'load generator CPU (% of a core)',
      ...targets.map((t) => {
        const m = find(t, scenario);
        if (!m && notApplicable[t]) return 'n/a';
        // NaN (nothing measured) comes back from JSON as null.
        if (!m || !isNumber(m.loadgenCpuShare)) return '—';
        anyUnreliable ||= m.unreliable;
        return `${Math.round(m.loadgenCpuShare * 100)}${m.unreliable ? ' UNRELIABLE' : ''}`;
      }),
      ...ratioTargets.map(() => ''),
    ]);
    const foreign = targets.map((t) => find(t, scenario)?.foreignLoad);
    if (foreign.some((f) => f && isNumber(f.serverCore))) {
      rows.push([
        scenario,
        'other processes on server / load-gen core (%)',
        ...foreign.map((f, i) => {
          if (!f && notApplicable[targets[i]!]) return 'n/a';
          if (!f || !isNumber(f.serverCore) || !isNumber(f.loadgenCore)) return '—';
          const contended = isContended(f);
          anyContended ||= contended;
          return `${Math.round(f.serverCore * 100)} / ${Math.round(f.loadgenCore * 100)}${contended ? ' CONTENDED' : ''}`;
        }),
        ...ratioTargets.map(() => ''),
      ]);
    }
  }
  const footnotes: string[] = [];
  if (anyUnreliable) {
    footnotes.push(
      `${UNRELIABLE_MARK} UNRELIABLE: the load generator used more than 80 % of its core, so it may have limited the target.`,
    );
  }
  if (anyContended) {
    footnotes.push(
      `CONTENDED: other processes used more than ${CONTENDED_FOREIGN_CPU * 100} % of a pinned core meanwhile; expect noise.`,
    );
  }
  const inapplicable = targets.filter((t) => notApplicable[t]);
  // One line per reason: the references usually lack a feature for the same reason.
  for (const reason of new Set(inapplicable.map((t) => notApplicable[t]!))) {
    footnotes.push(`n/a (${inapplicable.filter((t) => notApplicable[t] === reason).join(', ')}): ${reason}`);
  }
  for (const t of targets) {
    const failure = result.failures[t];
    if (failure) footnotes.push(`${t} failed: ${failure}`);
  }
  for (const m of result.measurements) {
    for (const note of m.notes) footnotes.push(`${m.target} / ${m.scenario}: ${note}`);
  }
  return { header, rows, footnotes };
}

/** Plain-text rendering for the terminal. */
export function renderText(result: WorkloadResult): string {
  const table = buildTable(result);
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, col) => Math.max(...all.map((row) => [...(row[col] ?? '')].length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, col) => (col < 2 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  ').trimEnd();
  const out = [`== ${result.title} ==`, line(table.header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous = '';
  for (const row of table.rows) {
    const scenario = row[0]!;
    out.push(line(scenario === previous ? ['', ...row.slice(1)] : row));
    previous = scenario;
  }
  out.push(...table.footnotes.map((note) => `  ${note}`));
  return out.join('\n');
}

/** Markdown rendering for docs/benchmarks.md. */
export function renderMarkdown(result: WorkloadResult): string {
  const table = buildTable(result);
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const out = [
    `| ${table.header.map(escape).join(' | ')} |`,
    `| ${table.header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`,
  ];
  let previous = '';
  for (const row of table.rows) {
    const scenario = row[0]!;
    out.push(`| ${(scenario === previous ? ['', ...row.slice(1)] : row).map(escape).join(' | ')} |`);
    previous = scenario;
  }
  if (table.footnotes.length > 0) out.push('', ...table.footnotes.map((note) => `- ${note}`));
  return out.join('\n');
}
