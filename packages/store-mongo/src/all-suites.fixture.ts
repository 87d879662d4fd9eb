/** Every conformance suite and the two-process races, on one MongoDB-wire server. */
import type { Store } from '@dungeon-lab/store';
import {
  type ConformanceTarget,
  runAssetStoreConformance,
  runAuditStoreConformance,
  runClientIdStoreConformance,
  runDocStoreConformance,
  runEventLogConformance,
  runSessionStoreConformance,
  type SuiteOptions,
} from '@dungeon-lab/store/conformance';
import { runTwoProcessRaces } from './two-process-races.fixture.ts';

export function runEverySuite(backendName: string, target: () => Promise<ConformanceTarget<Store>>, options: SuiteOptions = {}): void {
  runDocStoreConformance(backendName, target, options);
  runEventLogConformance(backendName, target, options);
  runSessionStoreConformance(backendName, target, options);
  runAuditStoreConformance(backendName, target, options);
  runClientIdStoreConformance(backendName, target, options);
  runAssetStoreConformance(backendName, target, options);
  runTwoProcessRaces(backendName, target, options);
}
