import { defineConfig } from 'vitest/config';

// Started from the repository root (`npx vitest run packages/server`), every
// package's suites run under that package's own config (timeouts, pools,
// includes), exactly as `npm test` runs them inside the package.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'bench/vitest.config.ts'],
  },
});
