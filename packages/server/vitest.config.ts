import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A server process a test started that dies on its own fails that test (its crash would otherwise go unseen).
    setupFiles: ['test/setup/process-watch.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers and child processes; on two cores they run best one file at a time.
    fileParallelism: false,
  },
});
