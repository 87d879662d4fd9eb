import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('browser bundle', () => {
  it('[EM17] bundles src/index.ts for the browser with no Node built-ins', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).toContain('applyPatchToDoc');
    expect(code).not.toMatch(/from\s*["']node:/);
    // lib0 ships a node:crypto sha256 under the "node" condition; the browser build must take the portable one.
    expect(Object.keys(result.metafile.inputs).some((file) => file.includes('sha256.node'))).toBe(false);
  }, 20_000);
});
