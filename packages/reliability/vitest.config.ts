import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The sync fuzz sets its own timeout from the number of seeds it runs.
    testTimeout: 30_000,
  },
});
