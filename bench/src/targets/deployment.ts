import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { jongodbBinary, startJongodb } from '@dungeon-lab/testing/jongodb';
import { startRedis } from '@dungeon-lab/testing/redis-server';
import { pinToServerCore } from '../host/affinity.ts';
import { ResourceMeter } from '../host/resource-meter.ts';
import type { TargetSpec } from './registry.ts';
import { type TargetOptions, TargetProcess } from './target-process.ts';

/**
 * What the processes of a deployment share: nothing but the embedded defaults
 * (LevelDB in each one's data directory, in-process bus, lease and inbox), or
 * one redis-server (bus, lease, holder inbox) and one mongo-wire store
 * (jongodb: an in-memory server speaking MongoDB's wire protocol, not MongoDB).
 */
export type Backends = 'embedded' | 'redis+mongo-wire';

export interface DeploymentPlan {
  readonly processes: number;
  readonly backends: Backends;
}

interface Service {
  /** How meters name it: `redis`, `store`. */
  readonly name: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Several processes of one target serving the same rooms, and the services
 * they share, all on the server core: the load generator's clients are spread
 * over the processes in turn (`process(i)`), and meters sum the processes'
 * CPU and RSS and meter the services apart.
 */
export class Deployment {
  private constructor(
    readonly processes: readonly TargetProcess[],
    private readonly services: readonly Service[],
  ) {}

  static async start(spec: TargetSpec, plan: DeploymentPlan, options: TargetOptions = {}): Promise<Deployment> {
    const services: Service[] = [];
    const processes: TargetProcess[] = [];
    try {
      let env: Record<string, string> = {};
      if (plan.backends === 'redis+mongo-wire') {
        const redis = await startRedis();
        services.push({ name: 'redis', pid: redis.pid, stop: () => redis.stop() });
        const store = await startJongodb();
        services.push({ name: 'store', pid: store.pid, stop: () => store.stop() });
        env = { REDIS_URL: redis.url, MONGO_URL: store.url };
      }
      for (const service of services) if (service.pid !== undefined) pinToServerCore(service.pid);
      for (let i = 0; i < plan.processes; i++) processes.push(await TargetProcess.start(spec, { ...options, env: { ...options.env, ...env } }));
      return new Deployment(processes, services);
    } catch (error) {
      await stopAll(processes, services);
      throw error;
    }
  }

  /** The process the `i`-th client of a room (or player of a session) connects to. */
  process(i: number): TargetProcess {
    return this.processes[i % this.processes.length]!;
  }

  get spec(): TargetSpec {
    return this.processes[0]!.spec;
  }

  meter(): ResourceMeter {
    const services = this.services.flatMap(({ name, pid }) => (pid === undefined ? [] : [{ name, pid }]));
    return new ResourceMeter(
      this.processes.map((p) => p.pid),
      services,
    );
  }

  stderrTail(): string {
    return this.processes.map((p, i) => (this.processes.length > 1 ? `[process ${i}]\n${p.stderrTail()}` : p.stderrTail())).join('\n');
  }

  stop(): Promise<void> {
    return stopAll(this.processes, this.services);
  }
}

async function stopAll(processes: readonly TargetProcess[], services: readonly Service[]): Promise<void> {
  await Promise.all(processes.map((p) => p.stop()));
  for (const service of [...services].reverse()) await service.stop();
}

/** A workload's servers: one target process as the other workloads start it, or a deployment of several. */
export type Servers = TargetProcess | Deployment;

export const asDeployment = (servers: Servers): Pick<Deployment, 'process' | 'spec' | 'meter' | 'processes'> =>
  servers instanceof Deployment
    ? servers
    : { processes: [servers], spec: servers.spec, process: () => servers, meter: () => new ResourceMeter(servers.pid) };

/** What a deployment of the shared backends runs on, for the report: redis-server's, jongodb's and the drivers' versions. */
export function serviceVersions(): string {
  const require = createRequire(import.meta.url);
  const packageVersion = (name: string): string => {
    try {
      return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  let redis = 'unknown';
  try {
    redis = /v=(\S+)/.exec(execFileSync(process.env.REDIS_SERVER ?? '/usr/bin/redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? redis;
  } catch {
    // reported as unknown
  }
  const jongodb = jongodbBinary() === null ? 'not installed' : packageVersion(`@jongodb/memory-server-bin-linux-x64-gnu`);
  return `redis-server ${redis}, mongo-wire (jongodb) ${jongodb}, node-redis ${packageVersion('redis')}, MongoDB Node driver ${packageVersion('mongodb')}`;
}
