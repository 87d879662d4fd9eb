import { defineConfig } from 'vitest/config';

// The conformance suites are run by each backend; here by the reference memory store.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], passWithNoTests: true } });
