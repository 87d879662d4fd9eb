/**
 * The reference store runs every conformance suite, as every backend does.
 * [S13], [S28], [CI2]'s crash case and [AS8] are about `kill -9` of a
 * process that wrote to disk; a memory store keeps nothing past its process
 * and makes no such claim.
 */
import { type ConformanceTarget, runStoreConformance } from './conformance.ts';
import { createMemoryStore, MemoryData } from './memory-store.ts';
import type { Store } from './store.ts';

/** One `MemoryData` per test: every store the test opens on it sees what the closed ones wrote. */
async function memoryTarget(): Promise<ConformanceTarget<Store>> {
  const data = new MemoryData();
  return { open: async () => createMemoryStore({ data }), cleanup: async () => undefined };
}

runStoreConformance('memory', memoryTarget);
