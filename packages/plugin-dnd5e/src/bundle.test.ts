import { bundleForBrowser, importsNodeBuiltins } from '@dungeon-lab/testing';
import { describe, expect, it } from 'vitest';

describe('browser bundle', () => {
  it('[D23] bundles src/index.ts for the browser with no Node built-ins: clients run the same rules to predict', async () => {
    const { errors, code } = await bundleForBrowser(new URL('./index.ts', import.meta.url));
    expect(errors).toEqual([]);
    expect(code).toContain('dnd5ePlugin');
    expect(importsNodeBuiltins(code)).toBe(false);
  }, 20_000);
});
