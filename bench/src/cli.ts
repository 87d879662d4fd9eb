import { TARGET_NAMES, type TargetName, isTargetName } from './targets/registry.ts';
import { WORKLOADS, findWorkload } from './workloads/index.ts';
import type { Workload } from './workloads/types.ts';

export interface CliOptions {
  readonly workloads: readonly Workload[];
  readonly targets: readonly TargetName[];
  readonly quick: boolean;
}

export const USAGE = `usage: npx tsx bench/src/run.ts [--workload ${WORKLOADS.map((w) => w.name).join(',')}]
                            [--targets ${TARGET_NAMES.join(',')}] [--quick]`;

function list(value: string | undefined, flag: string): string[] {
  if (!value) throw new Error(`${flag} needs a comma-separated list`);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseCli(argv: readonly string[]): CliOptions {
  let workloads: readonly Workload[] = WORKLOADS.filter((w) => w.onlyWhenNamed !== true);
  let targets: readonly TargetName[] = TARGET_NAMES;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--workload':
      case '--workloads':
        workloads = list(value(), flag).map((name) => {
          const workload = findWorkload(name);
          if (!workload) throw new Error(`unknown workload "${name}"`);
          return workload;
        });
        break;
      case '--targets':
      case '--target':
        targets = list(value(), flag).map((name) => {
          if (!isTargetName(name)) throw new Error(`unknown target "${name}"`);
          return name;
        });
        break;
      case '--quick':
        quick = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  // Keep the canonical order so tables always read ours, reference, hocuspocus.
  return { workloads, targets: TARGET_NAMES.filter((t) => targets.includes(t)), quick };
}
