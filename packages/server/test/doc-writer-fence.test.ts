/**
 * [EL24] in the room's writer: what it stores under the sequencer's claim,
 * and what it does once the store refuses that claim. On the reference
 * store, whose fences are the conformance suite's ([S30]).
 */
import type { Fence, Store, StoredRow } from '@dungeon-lab/store';
import { createMemoryStore } from '@dungeon-lab/store/memory';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocWriter } from '../src/doc-writer.ts';
import { silentLogger } from '../src/logger.ts';
import { withAppendCounts } from './faulty-store.ts';

const ROOM = 'sessions/s1/table';

/** A writer on `store` for a doc loaded from `rows`, counting how often it says it was fenced. */
function writerOn(store: Store, doc: Y.Doc, rows: readonly StoredRow[] = []) {
  const fenced = { count: 0 };
  const writer = new DocWriter(
    {
      name: ROOM,
      doc,
      store,
      logger: silentLogger,
      compaction: { afterUpdates: 1_000, afterBytes: 64 * 1024 * 1024 },
      writeRetryMs: 10,
      onCompactionSnapshotWritten: undefined,
      telemetry: { docUpdatesStored: () => {} },
      onSaved: () => {},
      onFenced: () => void fenced.count++,
    },
    rows,
  );
  return { writer, fenced };
}

/** One change to `doc`, as the update it made. */
function change(doc: Y.Doc, line: string): Uint8Array {
  let update: Uint8Array | null = null;
  const take = (u: Uint8Array) => {
    update = u;
  };
  doc.once('update', take);
  doc.getArray('chat').push([line]);
  return update!;
}

async function storedLines(store: Store): Promise<unknown[]> {
  const doc = new Y.Doc();
  for (const row of (await store.loadDoc(ROOM)).rows) Y.applyUpdate(doc, row.data);
  return doc.getArray('chat').toJSON();
}

describe('[EL24] the room writer under a fence', () => {
  it('[EL24] a batch with an effect in it goes under its claim; refused once another process claims, the writer stops and says so once', async () => {
    const store = createMemoryStore();
    const mine: Fence = { log: 's1', epoch: await store.claimFence('s1') };
    const doc = new Y.Doc();
    const { writer, fenced } = writerOn(store, doc);
    writer.enqueue(change(doc, 'effect one'), null, mine);
    await writer.flush();
    expect(await storedLines(store)).toEqual(['effect one']);

    await store.claimFence('s1');
    // The effect and a member's edit in one batch: the batch is the claim's, and none of it lands.
    writer.enqueue(change(doc, 'effect two'), null, mine);
    writer.enqueue(change(doc, 'member edit'), null);
    await writer.flush();
    expect(fenced.count).toBe(1);
    expect(writer.failing).toBe(true);
    expect(await storedLines(store)).toEqual(['effect one']);
    // Stopped: nothing it is handed later is written, and it is not retried.
    writer.enqueue(change(doc, 'later'), null);
    await writer.flush();
    expect(await storedLines(store)).toEqual(['effect one']);
    expect(fenced.count).toBe(1);
  });

  it('[EL24] a member\'s edits alone are not fenced, before or after the session was claimed elsewhere', async () => {
    const store = createMemoryStore();
    await store.claimFence('s1');
    const doc = new Y.Doc();
    const { writer, fenced } = writerOn(store, doc);
    writer.enqueue(change(doc, 'member edit'), null);
    await store.claimFence('s1');
    writer.enqueue(change(doc, 'another'), null);
    await writer.flush();
    expect(fenced.count).toBe(0);
    expect(await storedLines(store)).toEqual(['member edit', 'another']);
  });

  it('[EL24] a compaction snapshot of a doc holding an effect not yet stored goes under its claim: refused, it stores nothing of it', async () => {
    const base = createMemoryStore();
    const mine: Fence = { log: 's1', epoch: await base.claimFence('s1') };
    // Two stored rows, so that there is something to compact.
    const seed = new Y.Doc();
    await base.appendUpdates(ROOM, [change(seed, 'one')]);
    await base.appendUpdates(ROOM, [change(seed, 'two')]);
    const loaded = await base.loadDoc(ROOM);
    const doc = new Y.Doc();
    for (const row of loaded.rows) Y.applyUpdate(doc, row.data);
    // The effect's own write never reaches the store (a link that hangs): only the snapshot could carry it there.
    const store = withAppendCounts(base);
    store.appendsWait = new Promise<void>(() => {});
    const { writer, fenced } = writerOn(store, doc, loaded.rows);
    writer.enqueue(change(doc, 'effect'), null, mine);
    await base.claimFence('s1');
    await writer.compact();
    expect(fenced.count).toBe(1);
    expect((await base.loadDoc(ROOM)).rows.map((r) => r.kind)).toEqual(['update', 'update']);
    expect(await storedLines(base)).toEqual(['one', 'two']);
  });
});
