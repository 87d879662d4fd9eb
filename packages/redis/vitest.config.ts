import { defineConfig } from 'vitest/config';

// One redis-server per test file; files one at a time, as the machine's two cores are shared.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], fileParallelism: false, testTimeout: 30_000 } });
