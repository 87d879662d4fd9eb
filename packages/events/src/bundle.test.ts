import { bundleForBrowser, importsNodeBuiltins } from '@dungeon-lab/testing';
import { describe, expect, it } from 'vitest';

describe('browser bundle', () => {
  it('[EM17] bundles src/index.ts for the browser with no Node built-ins', async () => {
    const { errors, code, inputs } = await bundleForBrowser(new URL('./index.ts', import.meta.url));
    expect(errors).toEqual([]);
    expect(code).toContain('applyPatchToDoc');
    expect(importsNodeBuiltins(code)).toBe(false);
    // lib0 ships a node:crypto sha256 under the "node" condition; the browser build must take the portable one.
    expect(inputs.some((file) => file.includes('sha256.node'))).toBe(false);
  }, 20_000);
});
