/** Every conformance suite and the two-process races, on one MongoDB-wire server. */
import type { Store } from '@dungeon-lab/store';
import { type ConformanceTarget, runStoreConformance, type SuiteOptions } from '@dungeon-lab/store/conformance';
import { runTwoProcessRaces } from './two-process-races.fixture.ts';

export function runEverySuite(backendName: string, target: () => Promise<ConformanceTarget<Store>>, options: SuiteOptions = {}): void {
  runStoreConformance(backendName, target, options);
  runTwoProcessRaces(backendName, target, options);
}
