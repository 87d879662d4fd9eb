import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // *.itest.ts run a real server over real sockets; they are part of the default run.
    include: ['src/**/*.test.ts', 'src/**/*.itest.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
