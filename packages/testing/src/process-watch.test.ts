import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { takeUnexpectedExits, watchProcess } from './process-watch.ts';

function child(script: string) {
  const proc = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return { proc, exited: new Promise((resolve) => proc.once('exit', resolve)) };
}

describe('watched server processes', () => {
  it('[RB7] a process that dies on its own (an unhandled rejection) is reported; one the test stopped is not', async () => {
    const crasher = child('Promise.reject(new Error("boom")); setTimeout(() => {}, 10_000)');
    watchProcess(crasher.proc, () => 'crasher');
    await crasher.exited;
    const stopped = child('setTimeout(() => {}, 10_000)');
    const watched = watchProcess(stopped.proc, () => 'stopped');
    watched.expectExit();
    stopped.proc.kill('SIGKILL');
    await stopped.exited;
    expect(takeUnexpectedExits()).toEqual([expect.stringMatching(/^crasher exited on its own \(code 1, signal null\)$/)]);
    expect(takeUnexpectedExits()).toEqual([]);
  });
});
