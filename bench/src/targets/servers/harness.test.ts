/**
 * How a target's memory is read (harness.ts `stats`): after a compacting
 * collection, once V8 has returned the pages it freed. A real target process
 * with a fragmented heap answers the runner's `stats` command.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { READY_PREFIX, STATS_PREFIX, type ServerStats } from './harness.ts';

const FIXTURE = fileURLToPath(new URL('./fragmented-heap.fixture.ts', import.meta.url));
const MB = 1024;

describe('target memory readings', () => {
  it('RSS and the committed heap are read after compacting: free space between live objects is not counted', async () => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', FIXTURE], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: child.stdout });
      const next = (prefix: string): Promise<string> =>
        new Promise((resolve) => {
          const onLine = (line: string): void => {
            if (!line.startsWith(prefix)) return;
            lines.off('line', onLine);
            resolve(line.slice(prefix.length));
          };
          lines.on('line', onLine);
        });
      await next(READY_PREFIX);
      const reply = next(STATS_PREFIX);
      child.stdin.write('stats\n');
      const stats = JSON.parse(await reply) as ServerStats;
      // 1,200,000 objects were made and one in nine kept: ~45 MB live on ~350 MB of old-space pages before compacting.
      expect(stats.rssBeforeCompactionKb - stats.rssKb).toBeGreaterThan(150 * MB);
      // What stays committed beyond the live objects is the young generation (up to 2 × 16 MB), not the holes.
      expect(stats.heapCommittedKb - stats.heapUsedKb).toBeLessThan(64 * MB);
      expect(stats.rooms).toBe(60);
    } finally {
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});
