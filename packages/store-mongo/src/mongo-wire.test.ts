/**
 * The lane that always runs: every conformance suite and the two-process
 * races on jongodb, an in-memory server speaking MongoDB's wire protocol —
 * the official driver, BSON, unique indexes, duplicate-key errors and
 * transactions' all-or-nothing, but NOT MongoDB. Where it differs, the store
 * stays right for MongoDB and the case is skipped here with the reason; the
 * MONGO_URL lane (mongodb.test.ts) runs it.
 */
import { type Jongodb, jongodbMissing, startJongodb } from '@dungeon-lab/testing/jongodb';
import { runFenceConformance } from '@dungeon-lab/store/conformance';
import { type MongoWireGate, startMongoWireGate } from '@dungeon-lab/testing/mongo-wire-gate';
import { afterAll, beforeAll, describe } from 'vitest';
import { runEverySuite } from './all-suites.fixture.ts';
import { mongoTarget } from './mongo-target.fixture.ts';

/**
 * jongodb does not isolate concurrent transactions from each other. Seen here: of five transactions that each
 * `$inc` one document, all five commit and the document ends at 1; of concurrent transactions inserting
 * different documents, some inserts are gone after every commit succeeded (16 of 40 audit records left); two
 * concurrent transactions inserting the same unique key both commit; and a conflict it does notice comes back
 * without the TransientTransactionError label, so the driver cannot retry it. MongoDB detects every write
 * conflict, aborts the loser with that label and the driver runs it again: what [S5], [S17], [S18], [AU5],
 * [AS3] and [AS5] rely on ([MO4]).
 */
const CONCURRENT_TRANSACTIONS =
  'jongodb does not isolate concurrent transactions (a commit loses writes other transactions committed meanwhile, two may both insert one unique key, conflicts lack the TransientTransactionError label); MongoDB aborts the loser and the driver retries it';
/** A client-id lease is one `$inc` of the document's counter ([CI3]). */
const CONCURRENT_INCREMENTS =
  'jongodb\u2019s findAndModify $inc is not atomic under concurrency (concurrent leases were handed the same counter value); MongoDB applies concurrent updates of one document one after the other';

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
  '[CI2] a lease that resolved before close is never handed out again, even with leases in flight': CONCURRENT_INCREMENTS,
  // Every [CI3] case leases concurrently: the conformance suite's two and the two-process race.
  '[CI3]': CONCURRENT_INCREMENTS,
  '[S30] concurrent claims': CONCURRENT_INCREMENTS,
  '[S30] writes racing a claim': CONCURRENT_TRANSACTIONS,
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

/**
 * The fences again, behind the gate every multi-process mongo-wire lane runs
 * behind (mongo-wire-gate.ts: one transaction at a time, as MongoDB isolates
 * them): so the race of a claim with fenced writes, which holds on MongoDB by
 * the write each fenced transaction makes to the fence ([MO11]), runs here too.
 */
describe.skipIf(missing !== null)(missing === null ? 'mongo-wire (jongodb) behind the gate' : `mongo-wire (jongodb) behind the gate (skipped: ${missing})`, () => {
  let server: Jongodb | undefined;
  let gate: MongoWireGate | undefined;
  let url = '';
  beforeAll(async () => {
    server = await startJongodb();
    const direct = new URL(server.url);
    gate = await startMongoWireGate({ target: { host: direct.hostname, port: Number(direct.port) } });
    const front = await gate.front();
    direct.host = front.address;
    url = direct.toString();
  });
  afterAll(async () => {
    await gate?.close();
    await server?.stop();
  });

  runFenceConformance('mongo-wire (jongodb) behind the gate', mongoTarget({ url: () => url, drops: false }), {
    skip: { '[S30] concurrent claims': CONCURRENT_INCREMENTS },
  });
});
