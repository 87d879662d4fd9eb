/**
 * The lane that always runs: every conformance suite and the two-process
 * races on jongodb, an in-memory server speaking MongoDB's wire protocol —
 * the official driver, BSON, unique indexes, duplicate-key errors and
 * transactions' all-or-nothing, but NOT MongoDB. Where it differs, the store
 * stays right for MongoDB and the case is skipped here with the reason; the
 * MONGO_URL lane (mongodb.test.ts) runs it.
 */
import { type Jongodb, jongodbMissing, startJongodb } from '@dungeon-lab/testing/jongodb';
import { afterAll, beforeAll, describe } from 'vitest';
import { runEverySuite } from './all-suites.fixture.ts';
import { mongoTarget } from './mongo-target.fixture.ts';

/**
 * jongodb runs concurrent transactions without isolation: of five transactions that each `$inc` one document
 * at once, all commit and the document ends at 1; a commit overwrites what other transactions committed
 * meanwhile (rows and audit records appended concurrently vanish), and under concurrent transactions it breaks
 * connections ("Server ended moreToCome unexpectedly"). MongoDB detects the write conflict and the driver runs
 * the loser again, which is what the store relies on ([MO4]).
 */
const CONCURRENT_TRANSACTIONS = 'jongodb does not isolate concurrent transactions (a commit overwrites writes committed meanwhile; connections break under them), where MongoDB reports the write conflict and the driver retries';
/** A client-id lease is one `$inc` of the document's counter; MongoDB applies concurrent ones one after the other. */
const CONCURRENT_INCREMENTS = 'jongodb\u2019s findAndModify $inc is not atomic under concurrency (two concurrent leases got the same counter value); MongoDB updates one document atomically';

/** Cases jongodb cannot run as MongoDB does, each with why; the MONGO_URL lane runs them all. */
const JONGODB_DIFFERENCES: Readonly<Record<string, string>> = {
  '[S4] rows appended while a compaction runs survive it': CONCURRENT_TRANSACTIONS,
  '[S8] 300 concurrent appendUpdates': CONCURRENT_TRANSACTIONS,
  '[S18] concurrent appends of distinct sequences and ids all land': CONCURRENT_TRANSACTIONS,
  '[S17][MO7]': CONCURRENT_TRANSACTIONS,
  '[AU5] concurrent appends all land': CONCURRENT_TRANSACTIONS,
  '[AU5][MO7]': CONCURRENT_TRANSACTIONS,
  '[AS3] the same bytes put again': CONCURRENT_TRANSACTIONS,
  '[AS5] concurrent puts cannot race past the quota': CONCURRENT_TRANSACTIONS,
  '[AS5][MO7]': CONCURRENT_TRANSACTIONS,
  '[CI3] 200 concurrent leases': CONCURRENT_INCREMENTS,
  '[CI3][MO7]': CONCURRENT_INCREMENTS,
  '[S26] 10,000 small entries': 'jongodb is too slow for it (tens of ms a query on a few thousand documents): 10,000 entries written and read back page by page outlast the test\u2019s 60 s',
};

const missing = jongodbMissing();

describe.skipIf(missing !== null)(missing === null ? 'mongo-wire (jongodb)' : `mongo-wire (jongodb) (skipped: ${missing})`, () => {
  let server: Jongodb | undefined;
  beforeAll(async () => {
    server = await startJongodb();
  });
  afterAll(async () => {
    await server?.stop();
  });

  runEverySuite('mongo-wire (jongodb)', mongoTarget({ url: () => server?.url ?? '', drops: false }), { skip: JONGODB_DIFFERENCES });
});
