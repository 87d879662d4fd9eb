import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envAssignments } from './target-process.ts';
import { OURS_START_ENV, TARGETS } from './registry.ts';

describe('target registry', () => {
  it('runs ours with exactly the environment `npm start` gives the server', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../apps/server/package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
    const prefix = pkg.scripts.start.split(/\s+/).filter((word) => /^[A-Z_]+=/.test(word)).join(' ');
    expect(envAssignments(prefix)).toEqual(OURS_START_ENV);
    expect(TARGETS.ours.env).toBe(OURS_START_ENV);
    expect(TARGETS.reference.env).toEqual({});
    expect(TARGETS.hocuspocus.env).toEqual({});
  });

  it('reads shell-style assignments and refuses anything else', () => {
    expect(envAssignments(' A=1  B_C=x=y ')).toEqual({ A: '1', B_C: 'x=y' });
    expect(envAssignments('')).toEqual({});
    expect(() => envAssignments('A=1 oops')).toThrow(/not an environment assignment/);
  });
});
