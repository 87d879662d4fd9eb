import { MessageType, decodeDeleteSet } from '@dungeon-lab/protocol';
import * as decoding from 'lib0/decoding';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectProvider, type RunningServer, startServer, synced, waitFor } from './helpers.ts';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.dispose();
  running = undefined;
});

type DeleteRanges = Map<number, Array<{ clock: number; len: number }>>;

/** The delete set of the first `saved` a fresh sidecar socket in `room` receives. */
async function joinersFirstSavedDeletes(server: RunningServer, room: string): Promise<DeleteRanges> {
  const q = connectProvider(server.wsUrl, room, new Y.Doc(), { sidecar: true });
  let first: DeleteRanges | null = null;
  q.messageHandlers[MessageType.Saved] = (_enc, decoder) => {
    decoding.readVarUint8Array(decoder);
    first ??= decodeDeleteSet(decoding.readVarUint8Array(decoder));
  };
  try {
    await synced(q);
    await waitFor(() => first !== null, 5_000, 'initial saved');
    return first!;
  } finally {
    q.destroy();
  }
}

describe('saved delete sets', () => {
  it('[P6] a delete-only change is confirmed by the delete set of a later `saved`', async () => {
    running = await startServer();
    const p = connectProvider(running.wsUrl, 'deletes', new Y.Doc(), { sidecar: true });
    const savedDeletes: DeleteRanges[] = [];
    p.messageHandlers[MessageType.Saved] = (_enc, decoder) => {
      decoding.readVarUint8Array(decoder);
      savedDeletes.push(decodeDeleteSet(decoding.readVarUint8Array(decoder)));
    };
    await synced(p);
    p.doc.getArray('list').insert(0, ['a', 'b', 'c']);
    await waitFor(() => savedDeletes.length >= 2, 5_000, 'saved for the insert');
    const before = savedDeletes.length;
    p.doc.getArray('list').delete(1, 1);
    await waitFor(
      () => savedDeletes.slice(before).some((ds) => (ds.get(p.doc.clientID) ?? []).some((r) => r.clock <= 1 && r.clock + r.len >= 2)),
      5_000,
      'saved delete set covering the deleted item',
    );
    // A fresh sidecar socket learns every durable deletion in its first `saved`.
    expect((await joinersFirstSavedDeletes(running, 'deletes')).get(p.doc.clientID)).toEqual([{ clock: 1, len: 1 }]);
    p.destroy();
  });

  it('[P6] deletions stored in many separate writes reach a joiner whole, merged into ranges', async () => {
    running = await startServer();
    const p = connectProvider(running.wsUrl, 'many-deletes', new Y.Doc(), { sidecar: true });
    let savedCount = 0;
    p.messageHandlers[MessageType.Saved] = () => {
      savedCount++;
    };
    await synced(p);
    const list = p.doc.getArray<number>('list');
    list.insert(0, Array.from({ length: 150 }, (_, i) => i));
    // One deletion per store write: more than the sets the server keeps apart before merging them.
    for (let i = 0; i < 150; i++) {
      const before = savedCount;
      list.delete(0, 1);
      await waitFor(() => savedCount > before, 5_000, `saved for deletion ${i}`);
    }
    expect((await joinersFirstSavedDeletes(running, 'many-deletes')).get(p.doc.clientID)).toEqual([{ clock: 0, len: 150 }]);
    p.destroy();
  });
});
