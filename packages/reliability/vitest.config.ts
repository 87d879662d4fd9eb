import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // A seed runs real clients and servers for a few seconds; the whole budget is one test.
    testTimeout: 600_000,
  },
});
