/**
 * The lane on a real MongoDB: every conformance suite and the two-process
 * races against the server MONGO_URL names (a replica set; docker compose's
 * `mongo` service is one). Without MONGO_URL the lane is reported skipped,
 * never passed.
 */
import { describe } from 'vitest';
import { runEverySuite } from './all-suites.fixture.ts';
import { mongoTarget } from './mongo-target.fixture.ts';

const url = process.env.MONGO_URL;

describe.skipIf(url === undefined || url === '')(url ? 'MongoDB at MONGO_URL' : 'MongoDB (skipped: MONGO_URL not set)', () => {
  runEverySuite('MongoDB', mongoTarget({ url: () => url as string, drops: true }));
});
