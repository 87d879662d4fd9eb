/**
 * Child process for the kill -9 test: appends random updates from four
 * concurrent writers forever and reports, one JSON line each, what it is about
 * to write ("intent") and what the store acknowledged ("ack").
 *
 * Usage: node --import tsx crash-writer.fixture.ts <dataDir> <sync: true|false>
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createLevelStore } from './level-store.ts';

export type CrashWriterLine =
  | { intent: number; doc: string; data: string[] }
  | { ack: number; ids: string[] };

const [dataDir, syncArg] = process.argv.slice(2);
if (!dataDir || (syncArg !== 'true' && syncArg !== 'false')) {
  throw new Error('usage: crash-writer.fixture.ts <dataDir> <true|false>');
}

const store = await createLevelStore({ dataDir, sync: syncArg === 'true' });
let nextCall = 0;

function report(line: CrashWriterLine): void {
  // stdout to a pipe is synchronous on Linux, so a printed ack is never lost to the kill.
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function writer(doc: string): Promise<never> {
  for (;;) {
    const call = nextCall++;
    const data = Array.from({ length: 1 + (call % 4) }, () => randomBytes(1 + randomInt(400)));
    report({ intent: call, doc, data: data.map((d) => d.toString('base64')) });
    const ids = await store.appendUpdates(doc, data);
    report({ ack: call, ids });
  }
}

await Promise.all(['room', 'room', 'sessions/x/table', 'sessions/x/table'].map(writer));
