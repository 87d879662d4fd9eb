import { defineConfig } from 'vitest/config';

// The suites here are run by each backend (store-level); this package has none of its own yet.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], passWithNoTests: true } });
