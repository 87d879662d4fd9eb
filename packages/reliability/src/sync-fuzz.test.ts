/**
 * The seeded sync fuzz ([NL1]..[NL6] in docs/reliability.md). CI runs a fixed
 * budget of seeds; `FUZZ_SEEDS=N` runs N seeds (from `FUZZ_SEED_FROM`, default
 * 1), `FUZZ_SEED=x` replays one (`FUZZ_STEPS=k` cuts its schedule to the first
 * k steps). A failing seed prints its one-line reproduction, after shortening
 * its schedule to the fewest steps that still fail.
 */
import { describe, expect, it } from 'vitest';
import { type FuzzReport, runSyncFuzz } from './sync-fuzz.ts';

const FILE = 'packages/reliability/src/sync-fuzz.test.ts';
// Every y-websocket provider in Node listens for the process's exit; a run holds up to 6 clients × 2 docs plus an observer.
process.setMaxListeners(64);
/** The CI budget. */
const CI_SEEDS = 24;

function seedsToRun(env: NodeJS.ProcessEnv): number[] {
  if (env.FUZZ_SEED !== undefined) return [Number(env.FUZZ_SEED)];
  const count = Number(env.FUZZ_SEEDS ?? CI_SEEDS);
  const from = Number(env.FUZZ_SEED_FROM ?? 1);
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(from)) throw new Error('FUZZ_SEEDS and FUZZ_SEED_FROM must be integers, FUZZ_SEEDS ≥ 1');
  return Array.from({ length: count }, (_, i) => from + i);
}

function reproduction(seed: number, steps?: number): string {
  return `FUZZ_SEED=${seed}${steps === undefined ? '' : ` FUZZ_STEPS=${steps}`} npx vitest run ${FILE}`;
}

/** The fewest first steps of a failing schedule that still fail (best effort: timing may hide a failure in a rerun). */
async function minimise(failed: FuzzReport): Promise<FuzzReport> {
  let best = failed;
  let low = 0;
  let high = failed.figures.steps;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    const attempt = await runSyncFuzz({ seed: failed.seed, steps: mid });
    if (attempt.failures.length > 0) {
      best = attempt;
      high = mid;
    } else {
      low = mid;
    }
  }
  return best;
}

const SEEDS = seedsToRun(process.env);
/** A seed takes seconds; one that does not converge waits 30 s, and its minimising reruns it a few times more. */
const TIMEOUT_MS = 300_000 + SEEDS.length * 20_000;

describe('seeded sync fuzz', () => {
  it('[NL1][NL2][NL3][NL4][NL5][NL6] every client converges on the server, no acknowledged update or intent is lost, the store reloads to the same state', async () => {
    const steps = process.env.FUZZ_STEPS === undefined ? undefined : Number(process.env.FUZZ_STEPS);
    const seeds = SEEDS;
    const totals = { seeds: 0, failures: 0, ackedIntents: 0, awaitedApproval: 0, savedAcks: 0, lostUpdates: 0, lostIntents: 0, serverCrashes: 0, reloads: 0, crashReloads: 0, cuts: 0, decisions: 0 };
    const failed: string[] = [];
    const started = Date.now();
    for (const seed of seeds) {
      const report = await runSyncFuzz({ seed, ...(steps === undefined ? {} : { steps }) });
      totals.seeds++;
      for (const key of ['ackedIntents', 'awaitedApproval', 'savedAcks', 'lostUpdates', 'lostIntents', 'serverCrashes', 'reloads', 'crashReloads', 'cuts', 'decisions'] as const) totals[key] += report.figures[key];
      if (report.failures.length === 0) continue;
      totals.failures++;
      const small = steps === undefined ? await minimise(report) : report;
      console.error(
        [`sync fuzz seed ${seed} failed (${small.figures.steps} of ${report.figures.steps} steps still fail):`, ...small.failures.slice(0, 20), 'schedule:', ...small.trace, `reproduce: ${reproduction(seed, small.figures.steps)}`].join('\n'),
      );
      failed.push(reproduction(seed, small.figures.steps));
    }
    console.log(`sync fuzz: ${JSON.stringify(totals)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(failed).toEqual([]);
    expect(totals.lostUpdates + totals.lostIntents).toBe(0);
    // The budget exercised what it claims to: acknowledgements to lose, and faults to lose them in.
    expect(totals.ackedIntents).toBeGreaterThan(0);
    expect(totals.savedAcks).toBeGreaterThan(0);
    if (seeds.length >= CI_SEEDS) expect(Math.min(totals.serverCrashes, totals.reloads, totals.crashReloads, totals.cuts, totals.awaitedApproval, totals.decisions)).toBeGreaterThan(0);
  }, TIMEOUT_MS);
});
