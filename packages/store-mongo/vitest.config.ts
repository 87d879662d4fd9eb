import { defineConfig } from 'vitest/config';

// jongodb answers in milliseconds where MongoDB answers in microseconds (it scans
// rather than seeks), and the suites write thousands of documents: give them time.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 } });
