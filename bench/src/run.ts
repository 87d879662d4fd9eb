import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { pinLoadGenerator } from './host/affinity.ts';
import { loadAverage } from './host/proc-stats.ts';
import { USAGE, parseCli } from './cli.ts';
import { writeResults } from './report/results-file.ts';
import { renderText } from './report/table.ts';
import { TARGETS, type TargetName } from './targets/registry.ts';
import { serviceVersions } from './targets/deployment.ts';
import { TargetProcess } from './targets/target-process.ts';
import { isScaleout } from './workloads/scaleout.ts';
import type { Measurement, RunMeta, WorkloadResult } from './workloads/types.ts';

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}

/** Starts each target once so that one that cannot run is reported once, not in every workload. */
async function preflight(targets: readonly TargetName[]): Promise<Map<TargetName, string>> {
  const failures = new Map<TargetName, string>();
  for (const name of targets) {
    try {
      const target = await TargetProcess.start(TARGETS[name]);
      await target.stop();
    } catch (error) {
      failures.set(name, firstLine(error));
      console.error(`! ${name} cannot start and is skipped: ${(error as Error).message}`);
    }
  }
  return failures;
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    console.error(USAGE);
    process.exit(2);
  }
  const pinning = pinLoadGenerator();
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadAverage();
  console.log(`Dungeon Lab benchmarks${options.quick ? ' (quick)' : ''}: ${pinning.note}; load average ${loadAverageAtStart}`);

  const unavailable = await preflight(options.targets);
  const runnable = options.targets.filter((t) => !unavailable.has(t));
  const results: WorkloadResult[] = [];
  const context = { quick: options.quick, log: (message: string) => console.log(`  · ${message}`) };

  for (const workload of options.workloads) {
    console.log(`\n# ${workload.name}`);
    const measurements: Measurement[] = [];
    const notApplicable: Partial<Record<TargetName, string>> = {};
    const applies = (name: TargetName): boolean => workload.appliesTo?.targets.includes(name) ?? true;
    for (const name of options.targets) if (!applies(name)) notApplicable[name] = workload.appliesTo!.otherwise;
    const failures: Partial<Record<TargetName, string>> = Object.fromEntries([...unavailable].filter(([name]) => applies(name)));
    for (const name of runnable) {
      if (!applies(name)) continue;
      try {
        measurements.push(...(await workload.run(TARGETS[name], context)));
      } catch (error) {
        failures[name] = firstLine(error);
        console.error(`! ${workload.name} on ${name} failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
    const result: WorkloadResult = {
      workload: workload.name,
      title: workload.title,
      description: workload.description,
      metrics: workload.metrics,
      scenarios: workload.scenarios(options.quick),
      targets: options.targets,
      measurements,
      failures,
      notApplicable,
    };
    results.push(result);
    console.log(`\n${renderText(result)}`);
  }

  const meta: RunMeta = {
    startedAt,
    finishedAt: new Date().toISOString(),
    quick: options.quick,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    pinning: pinning.note,
    loadAverageAtStart,
    command: ['npx tsx bench/src/run.ts', ...process.argv.slice(2)].join(' '),
    ...(options.workloads.some((w) => isScaleout(w.name)) ? { services: serviceVersions() } : {}),
    gitCommit: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: (() => {
      const status = git(['status', '--porcelain']);
      return status === undefined ? undefined : status.length > 0;
    })(),
  };
  const path = writeResults({ meta, results });
  console.log(`\nresults: ${path}`);
  // Client sockets and timers may linger for a moment; nothing is left to wait for.
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
