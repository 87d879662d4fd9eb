/**
 * A real HAProxy (Debian's `haproxy` package) for tests that put a load
 * balancer in front of server processes: started in the foreground on a
 * configuration the test writes, stopped by the test. A separate entry point
 * (`@dungeon-lab/testing/haproxy`): it spawns processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The binary Debian's `haproxy` package installs; `HAPROXY` points at another. */
export const HAPROXY = process.env.HAPROXY ?? '/usr/sbin/haproxy';
const READY_TIMEOUT_MS = 10_000;

export interface Haproxy {
  readonly child: ChildProcess;
  /** What it printed (its request log included, when the configuration logs to stdout). */
  readonly output: string[];
  /** Stops it (SIGTERM) and removes its configuration's directory. */
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs `haproxy -db -f <config>` and resolves once `port` (its frontend's) accepts connections. */
export async function startHaproxy(config: string, port: number): Promise<Haproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'dl-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, config);
  const child = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter((l) => l !== ''));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (!gone) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const start = Date.now();
  while (!(await accepts(port))) {
    if (gone || Date.now() - start > READY_TIMEOUT_MS) {
      await stop();
      throw new Error(`haproxy did not accept on port ${port}: ${output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, output, stop };
}
