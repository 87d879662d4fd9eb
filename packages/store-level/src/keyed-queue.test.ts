import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createKeyedQueue } from './keyed-queue.ts';

describe('keyed queue', () => {
  it('[L6] runs the tasks of one key one at a time, in call order', async () => {
    const queue = createKeyedQueue();
    const log: string[] = [];
    let running = 0;
    const task = (name: string, ms: number) => async (): Promise<string> => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([
      queue.run('k', task('a', 20)),
      queue.run('k', task('b', 1)),
      queue.run('k', task('c', 5)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('[L6] different keys do not wait for each other', async () => {
    const queue = createKeyedQueue();
    const order: string[] = [];
    await Promise.all([
      queue.run('slow', async () => {
        await sleep(30);
        order.push('slow');
      }),
      queue.run('fast', async () => {
        order.push('fast');
      }),
    ]);
    expect(order).toEqual(['fast', 'slow']);
  });

  it('[L6] a failing task fails alone; the tasks behind it still run, and settled keys are forgotten', async () => {
    const queue = createKeyedQueue();
    const failing = queue.run('k', async () => {
      throw new Error('boom');
    });
    const after = queue.run('k', async () => 'ran');
    expect(queue.busyKeys).toBe(1);
    await expect(failing).rejects.toThrow('boom');
    await expect(after).resolves.toBe('ran');
    await sleep(0);
    expect(queue.busyKeys).toBe(0);
  });
});
