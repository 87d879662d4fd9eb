import { defineConfig } from 'vitest/config';

// The rules are pure (no module state), so test files can share one module graph: much faster on shared cores.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], pool: 'threads', isolate: false, testTimeout: 20_000 } });
