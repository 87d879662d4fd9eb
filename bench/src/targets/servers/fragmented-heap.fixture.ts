/**
 * A target for harness.test.ts: no server, a heap left fragmented on
 * purpose. It fills the old space with small objects, then drops eight of
 * every nine, so V8's pages stay committed and mostly free until a
 * collection compacts them.
 */
import { serve } from './harness.ts';

const BATCHES = 60;
const PER_BATCH = 20_000;
const kept: Array<Array<{ i: number; s: string } | null>> = [];

await serve(async () => {
  for (let b = 0; b < BATCHES; b++) kept.push(Array.from({ length: PER_BATCH }, (_, i) => ({ i, s: `${'x'.repeat(50)}${i}` })));
  // Promoted to the old space first, so the holes are left there.
  (globalThis as { gc?: () => void }).gc?.();
  for (const batch of kept) for (let i = 0; i < batch.length; i++) if (i % 9 !== 0) batch[i] = null;
  return { port: 0, rooms: () => kept.length };
});
