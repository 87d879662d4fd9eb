import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCALEOUT_SECTION, renderReport, renderScaleoutSection } from './report/markdown-report.ts';
import { sectionOf, withSection } from './report/sections.ts';
import { isScaleout } from './workloads/scaleout.ts';
import { renderP99Chart } from './report/p99-chart.ts';
import { LATEST, readResults } from './report/results-file.ts';
import { STORE_SECTION, storeSectionOf } from './store/store-report.ts';
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
  const target = join(outDir, 'benchmarks.md');
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  const resultsFile = `bench/results/${basename(input)}`;
  // The scale-out workloads have a section of their own, kept when a run has none of them.
  const scaleout = results.results.some((r) => isScaleout(r.workload)) ? renderScaleoutSection(results, resultsFile) : sectionOf(current, SCALEOUT_SECTION);
  if (results.results.every((r) => isScaleout(r.workload))) {
    // A scale-out run alone: only its section changes.
    writeFileSync(target, `${withSection(current, SCALEOUT_SECTION, scaleout!).trimEnd()}\n`);
    console.log(`wrote the scale-out section of ${relative(process.cwd(), target)}`);
    return;
  }
  const fanout = results.results.find((r) => r.workload === 'fanout');
  if (fanout) writeFileSync(join(outDir, CHART), `${renderP99Chart(fanout)}\n`);
  const markdown = renderReport(results, {
    resultsFile,
    chartFile: fanout ? CHART : undefined,
  });
  // The browser app's section is bench/src/web/run-web.ts's, the store's bench/src/store/table-cache.ts's: kept as they are.
  const web = webSectionOf(current);
  const store = storeSectionOf(current);
  const withScaleout = scaleout === null ? markdown : withSection(markdown, SCALEOUT_SECTION, scaleout);
  const withWeb = web === null ? withScaleout : withWebSection(withScaleout, web);
  writeFileSync(target, store === null ? withWeb : `${withSection(withWeb, STORE_SECTION, store).trimEnd()}\n`);
  console.log(`wrote ${relative(process.cwd(), join(outDir, 'benchmarks.md'))}${fanout ? ` and ${CHART}` : ''}`);
}

main();
