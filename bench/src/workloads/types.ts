import type { TargetName, TargetSpec } from '../targets/registry.ts';

export type WorkloadName = 'fanout' | 'knee' | 'rooms' | 'memory' | 'bigdoc' | 'storm' | 'wire' | 'intents' | 'scaleout-fanout' | 'scaleout-intents' | 'soak';

export interface MetricSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  /** Which way a ratio ours ÷ reference should go; 'none' for context figures. */
  readonly better: 'lower' | 'higher' | 'none';
  readonly digits: number;
}

/** One target's figures for one scenario of a workload. */
export interface Measurement {
  readonly target: TargetName;
  readonly scenario: string;
  /** null where a figure does not apply to a target (e.g. eviction on a server that never evicts). */
  readonly metrics: Readonly<Record<string, number | null>>;
  /** Highest load generator CPU share seen while measuring this scenario. */
  readonly loadgenCpuShare: number;
  readonly unreliable: boolean;
  /** Share of each pinned core that other processes used meanwhile (see ResourceMeter). */
  readonly foreignLoad: { readonly serverCore: number; readonly loadgenCore: number } | undefined;
  readonly notes: readonly string[];
}

export interface RunContext {
  readonly quick: boolean;
  log(message: string): void;
}

export interface Workload {
  readonly name: WorkloadName;
  readonly title: string;
  /** One paragraph for the docs: what is measured and how. */
  readonly description: string;
  readonly metrics: readonly MetricSpec[];
  /**
   * The targets that have what the workload exercises, with why the others
   * do not (e.g. no event log); absent: every target.
   */
  readonly appliesTo?: { readonly targets: readonly TargetName[]; readonly otherwise: string };
  /** Runs only when `--workload` names it, never in the default set (a soak takes half an hour per target). */
  readonly onlyWhenNamed?: boolean;
  /** Scenario labels in display order (they may depend on --quick). */
  scenarios(quick: boolean): readonly string[];
  run(target: TargetSpec, context: RunContext): Promise<Measurement[]>;
}

export interface WorkloadResult {
  readonly workload: WorkloadName;
  readonly title: string;
  readonly description: string;
  readonly metrics: readonly MetricSpec[];
  readonly scenarios: readonly string[];
  readonly targets: readonly TargetName[];
  readonly measurements: readonly Measurement[];
  /** Targets that could not be run, with the reason. */
  readonly failures: Readonly<Partial<Record<TargetName, string>>>;
  /** Targets the workload does not apply to, with the reason (absent in results written before it existed). */
  readonly notApplicable?: Readonly<Partial<Record<TargetName, string>>>;
}

export interface RunMeta {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly quick: boolean;
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly pinning: string;
  readonly loadAverageAtStart: string;
  /** The command line that produced the run, for reproducing it. */
  readonly command?: string;
  /** Versions of the services a scale-out workload started (redis-server, jongodb, drivers), when one ran. */
  readonly services?: string;
  readonly gitCommit: string | undefined;
  readonly gitDirty: boolean | undefined;
}

export interface RunResults {
  readonly meta: RunMeta;
  readonly results: readonly WorkloadResult[];
}
