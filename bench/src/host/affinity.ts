import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export const SERVER_CPU = 0;
export const LOADGEN_CPU = 1;

export interface PinningStatus {
  /** Whether targets go to SERVER_CPU and this process to LOADGEN_CPU. */
  readonly pinned: boolean;
  readonly note: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let status: PinningStatus | undefined;

/**
 * Moves every thread of this process (libuv pool and V8 helpers included, hence
 * `-a`) onto the load generator's core. Threads created later inherit it.
 */
export function pinLoadGenerator(): PinningStatus {
  if (status) return status;
  if (availableParallelism() < 2) {
    status = { pinned: false, note: 'fewer than 2 CPUs: server and load generator share a core' };
  } else if (!hasTaskset()) {
    status = { pinned: false, note: 'taskset not found: processes are not pinned' };
  } else {
    execFileSync('taskset', ['-a', '-c', '-p', String(LOADGEN_CPU), String(process.pid)], { stdio: 'ignore' });
    status = { pinned: true, note: `targets on CPU ${SERVER_CPU}, load generator on CPU ${LOADGEN_CPU}` };
  }
  return status;
}

/** Command prefix that starts a target on the server core (empty when pinning is unavailable). */
export function serverPinPrefix(): string[] {
  return pinLoadGenerator().pinned ? ['taskset', '-c', String(SERVER_CPU)] : [];
}

/** Moves every thread of an already running process (a service the runner spawned, which inherited its core) onto the server core. */
export function pinToServerCore(pid: number): void {
  if (pinLoadGenerator().pinned) execFileSync('taskset', ['-a', '-c', '-p', String(SERVER_CPU), String(pid)], { stdio: 'ignore' });
}
