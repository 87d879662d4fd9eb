import { defineConfig } from 'vitest/config';

// Pure modules of the app (geometry, parsing, stores); the app in a browser is e2e/'s job.
export default defineConfig({ test: { include: ['src/**/*.test.ts'] } });
