/**
 * Child process for the kill -9 test: appends random document updates from
 * four concurrent writers and event-log batches from three (two of them share
 * a log, as concurrent requests of one session would), leases client ids
 * from three (two of them share a document, as connections joining one room
 * would), and puts multi-chunk assets from two (two sessions, sometimes the
 * same bytes), forever, and reports, one JSON line each, what it is about to
 * write ("intent") and what the store acknowledged ("ack").
 *
 * Usage: node --import tsx crash-writer.fixture.ts <dataDir> <sync: true|false>
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createLevelStore } from './level-store.ts';

export const CRASH_DOCS = ['room', 'sessions/x/table'] as const;
// One log is named like a document, the other is a prefix of it: neither may see the other's keys.
export const CRASH_LOGS = ['sessions/x', 'sessions/x/table'] as const;
// Leases of a document that also has rows, and of one named like a log: none may see the others' keys.
export const CRASH_LEASE_DOCS = ['room', 'sessions/x'] as const;
// Assets of a session named like a document and a log: none may see the others' keys.
export const CRASH_ASSET_SESSIONS = ['x', 'sessions/x'] as const;

export interface CrashEventLine {
  readonly sequence: number;
  readonly id: string;
  /** base64 */
  readonly data: string;
}

export type CrashWriterLine =
  | { intent: number; doc: string; data: string[] }
  | { ack: number; ids: string[] }
  | { eventIntent: number; log: string; events: CrashEventLine[] }
  | { eventAck: number }
  | { leaseIntent: number; doc: string; owner: string }
  | { leaseAck: number; id: number }
  // Assets are megabytes: the line names them by hash and size, which is all a check needs.
  | { assetIntent: number; session: string; hash: string; size: number }
  | { assetAck: number };

// Only when run as the child process: the test imports this module for its names and types.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

async function main(): Promise<void> {
  const [dataDir, syncArg] = process.argv.slice(2);
  if (!dataDir || (syncArg !== 'true' && syncArg !== 'false')) {
    throw new Error('usage: crash-writer.fixture.ts <dataDir> <true|false>');
  }

  const store = await createLevelStore({ dataDir, sync: syncArg === 'true' });
  let nextCall = 0;
  const nextSequence = new Map<string, number>(CRASH_LOGS.map((log) => [log, 1]));

  const report = (line: CrashWriterLine): void => {
    // stdout to a pipe is synchronous on Linux, so a printed ack is never lost to the kill.
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };

  const docWriter = async (doc: string): Promise<never> => {
    for (;;) {
      const call = nextCall++;
      const data = Array.from({ length: 1 + (call % 4) }, () => randomBytes(1 + randomInt(400)));
      report({ intent: call, doc, data: data.map((d) => d.toString('base64')) });
      const ids = await store.appendUpdates(doc, data);
      report({ ack: call, ids });
    }
  };

  const eventWriter = async (log: string): Promise<never> => {
    for (;;) {
      const call = nextCall++;
      // Sequences are taken the way the server takes them: lastSequence + 1 onwards, claimed before the append.
      const first = nextSequence.get(log) ?? 1;
      const events = Array.from({ length: 1 + (call % 5) }, (_, i) => ({
        sequence: first + i,
        id: randomUUID(),
        data: randomBytes(randomInt(400)),
      }));
      nextSequence.set(log, first + events.length);
      report({
        eventIntent: call,
        log,
        events: events.map((e) => ({ sequence: e.sequence, id: e.id, data: e.data.toString('base64') })),
      });
      await store.appendEvents(log, events);
      report({ eventAck: call });
    }
  };

  const leaseWriter = async (doc: string): Promise<never> => {
    for (;;) {
      const call = nextCall++;
      // Unique per call, so a stored owner names the one call that asked for its id.
      const owner = `owner ${call} 🎲`;
      report({ leaseIntent: call, doc, owner });
      const id = await store.leaseClientId(doc, owner);
      report({ leaseAck: call, id });
    }
  };

  let shared = randomBytes(0);
  const assetWriter = async (session: string): Promise<never> => {
    for (;;) {
      const call = nextCall++;
      // One to four chunks, and every third time the bytes the other session put last: one copy, two references.
      const data = call % 3 === 0 && shared.byteLength > 0 ? shared : randomBytes(1 + randomInt(4 * 1024 * 1024));
      shared = data;
      report({ assetIntent: call, session, hash: createHash('sha256').update(data).digest('hex'), size: data.byteLength });
      await store.putAsset(session, { type: 'image/png', width: 1, height: 1, data }, Number.MAX_SAFE_INTEGER);
      report({ assetAck: call });
    }
  };

  const [sharedLog, otherLog] = CRASH_LOGS;
  const [sharedLeaseDoc, otherLeaseDoc] = CRASH_LEASE_DOCS;
  await Promise.all([
    ...[...CRASH_DOCS, ...CRASH_DOCS].map(docWriter),
    ...[sharedLog, sharedLog, otherLog].map(eventWriter),
    ...[sharedLeaseDoc, sharedLeaseDoc, otherLeaseDoc].map(leaseWriter),
    ...CRASH_ASSET_SESSIONS.map(assetWriter),
  ]);
}
