import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

describe('browser bundle', () => {
  it.each([
    ['main', './index.ts', 'SessionClient'],
    ['internal', './internal.ts', 'SidecarChannel'],
  ])('bundles the %s entry for the browser with no Node built-ins', async (_label, file, name) => {
    const result = await build({
      entryPoints: [entry(file)],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).toContain(name);
    expect(code).not.toMatch(/from\s*["']node:/);
  });

  it('keeps the Node entry out of browser reach', async () => {
    // The file persistence needs node:fs; bundling it for the browser must fail,
    // which is why it lives in the separate `@dungeon-lab/client/node` entry.
    await expect(
      build({ entryPoints: [entry('./node.ts')], bundle: true, platform: 'browser', write: false, logLevel: 'silent' }),
    ).rejects.toThrow();
  });
});
