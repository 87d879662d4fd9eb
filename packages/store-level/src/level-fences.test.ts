import { runFenceConformance } from '@dungeon-lab/store/conformance';
import { runOnLevel } from './level-test-dir.fixture.ts';

runOnLevel(runFenceConformance, 'dl-store-level-fences-');
