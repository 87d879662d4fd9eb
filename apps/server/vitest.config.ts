import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    fileParallelism: false,
    // A server process a test started that dies on its own fails that test.
    setupFiles: ['test/setup/process-watch.ts'],
  },
});
