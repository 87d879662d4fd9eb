import { createLevelStore } from '@dungeon-lab/store-level';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocWriter } from '../src/doc-writer.ts';
import { silentLogger } from '../src/logger.ts';
import { tempDir } from './helpers.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A client's three edits to a list, and a writer on a fresh store with an empty doc, recording its `saved` deltas. */
async function threeEditsAndAWriter(name: string) {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  const store = await createLevelStore({ dataDir: dir.path });
  cleanups.push(() => store.close());
  const client = new Y.Doc();
  const edits: Uint8Array[] = [];
  client.on('update', (u: Uint8Array) => edits.push(u));
  for (let i = 0; i < 3; i++) client.getArray('moves').push([`m${i}`]);
  const doc = new Y.Doc();
  const saved: Array<Map<number, number>> = [];
  const writer = new DocWriter(
    { name, doc, store, logger: silentLogger, compaction: { afterUpdates: 500, afterBytes: 4 * 1024 * 1024 }, writeRetryMs: 10, onCompactionSnapshotWritten: undefined, telemetry: { docUpdatesStored: () => {} }, onSaved: (delta) => saved.push(new Map(delta)), onFenced: () => {} },
    [],
  );
  return { client, edits, doc, writer, saved };
}

describe('[P6] saved claims a prefix', () => {
  it('[P6] a client\'s later edit stored by one process does not make `saved` claim the earlier ones another process never stored; they count once stored, or once a peer says so', async () => {
    // Found by the fault test (apps/server/test/faults.test.ts): a client's server was SIGKILLed before storing its last
    // edits; the client reconnected elsewhere, its next edit was stored there, and `saved` covered the lost ones too.
    const { client, edits, doc, writer, saved } = await threeEditsAndAWriter('open/gaps');
    const [first, second, third] = edits as [Uint8Array, Uint8Array, Uint8Array];
    const id = client.clientID;
    // This process got the first edit and then (from a peer, never stored there) the second; only the third is its member's.
    Y.applyUpdate(doc, first);
    writer.enqueue(first, { deletes: Y.createDeleteSet(), arrivedAt: null });
    await writer.flush();
    expect(writer.durable.get(id)).toBe(1);
    Y.applyUpdate(doc, second);
    Y.applyUpdate(doc, third);
    writer.enqueue(third, { deletes: Y.createDeleteSet(), arrivedAt: null });
    await writer.flush();
    // Stored: clocks 0 and 2. Claimed: below 1 still.
    expect(writer.durable.get(id)).toBe(1);
    expect(saved.every((delta) => (delta.get(id) ?? 0) <= 1)).toBe(true);
    // The peer that had the second edit says it stored it: now everything below 3 is.
    expect(writer.peerStored(new Map([[id, 2]]), Y.createDeleteSet())).toEqual(new Map([[id, 3]]));
    expect(writer.durable.get(id)).toBe(3);
  });

  it('[P6] an update with a gap in it (encoded from a doc holding operations it could not integrate) claims only what it holds, not the gap', async () => {
    const { client, edits, doc, writer } = await threeEditsAndAWriter('open/gap-inside');
    // A doc that got the first and third edits only: the third waits for the second.
    const partial = new Y.Doc();
    Y.applyUpdate(partial, edits[0]!);
    Y.applyUpdate(partial, edits[2]!);
    const withGap = Y.encodeStateAsUpdate(partial);
    // Read across its skip, the update reaches from clock 0 to 3.
    expect(Y.parseUpdateMeta(withGap)).toEqual({ from: new Map([[client.clientID, 0]]), to: new Map([[client.clientID, 3]]) });

    Y.applyUpdate(doc, withGap);
    writer.enqueue(withGap, { deletes: Y.createDeleteSet(), arrivedAt: null });
    await writer.flush();
    expect(writer.durable.get(client.clientID)).toBe(1);
    // The second edit stored: the stored prefix joins the range stored ahead.
    Y.applyUpdate(doc, edits[1]!);
    writer.enqueue(edits[1]!, { deletes: Y.createDeleteSet(), arrivedAt: null });
    await writer.flush();
    expect(writer.durable.get(client.clientID)).toBe(3);
  });
});
