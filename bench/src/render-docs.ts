import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReport } from './report/markdown-report.ts';
import { renderP99Chart } from './report/p99-chart.ts';
import { LATEST, readResults } from './report/results-file.ts';
import { webSectionOf, withWebSection } from './web/web-report.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHART = 'benchmarks-fanout-p99.svg';
const USAGE = 'usage: npx tsx bench/src/render-docs.ts [results.json] [--out-dir docs]';

function main(): void {
  const args = process.argv.slice(2);
  let input = LATEST;
  let outDir = join(REPO, 'docs');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--out-dir') outDir = args[++i] ?? outDir;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return;
    } else input = arg;
  }
  const results = readResults(input);
  mkdirSync(outDir, { recursive: true });
  const fanout = results.results.find((r) => r.workload === 'fanout');
  if (fanout) writeFileSync(join(outDir, CHART), `${renderP99Chart(fanout)}\n`);
  const markdown = renderReport(results, {
    resultsFile: `bench/results/${basename(input)}`,
    chartFile: fanout ? CHART : undefined,
  });
  // The browser app's section is bench/src/web/run-web.ts's: kept as it is.
  const target = join(outDir, 'benchmarks.md');
  const web = existsSync(target) ? webSectionOf(readFileSync(target, 'utf8')) : null;
  writeFileSync(target, web === null ? markdown : withWebSection(markdown, web));
  console.log(`wrote ${relative(process.cwd(), join(outDir, 'benchmarks.md'))}${fanout ? ` and ${CHART}` : ''}`);
}

main();
