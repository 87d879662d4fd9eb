import { MessageType } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { chatTexts, interceptFrames, pollUntil, serverEvents } from './event-log.fixture.ts';
import { filePersistence } from './node/file-persistence.ts';
import { createTestSession, startTestServer, tempDir, testClient, waitFor } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';
import { SyncState } from './sync-state.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('intents across offline time and reloads', () => {
  it('[EQ1][EQ6][EL3] intents made with the server down survive a reload and are delivered in order, none twice', async () => {
    const s = await startTestServer();
    cleanups.push(() => s.dispose());
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    const sess = await createTestSession(s.url, ['alice']);
    const open = (): SessionClient => {
      const c = testClient(s.url, { sessionId: sess.id, token: sess.gm.token, persistence: filePersistence({ dir: dir.path }) });
      cleanups.push(() => c.destroy());
      return c;
    };

    const first = open();
    await first.whenSynced();
    // One intent reaches the server but its answer never comes back (nor the log entries that could stand in for it).
    interceptFrames(first, MessageType.IntentAck, () => true);
    interceptFrames(first, MessageType.CatchUpResponse, () => true);
    const lost = first.intents.submit('chat:message', { text: 'answer lost' });
    await pollUntil(async () => (await serverEvents(s, sess.id, sess.gm.token)).length === 1, 'server applied it');

    await s.stop();
    await waitFor(() => first.syncState.get() === SyncState.OFFLINE, 'offline');
    const offline = [
      first.intents.submit('chat:message', { text: 'o1' }),
      first.intents.submit('chat:message', { text: 'o2' }, { priority: false }),
      first.intents.submit('chat:message', { text: 'o3' }),
    ];
    expect(chatTexts(first.view.get())).toEqual(['answer lost', 'o1', 'o2', 'o3']);
    await first.destroy();

    // The "reloaded page": a new client over the same files, still without a server.
    const second = open();
    await second.ready;
    const ids = [lost.id, ...offline.map((o) => o.id)];
    expect(second.pendingIntents.get().map((p) => [p.intent.id, p.state])).toEqual(ids.map((id) => [id, 'queued']));
    const texts = new Map<string, number>();
    const violations: string[] = [];
    second.view.subscribe((view) => {
      texts.clear();
      for (const t of chatTexts(view)) texts.set(t, (texts.get(t) ?? 0) + 1);
      for (const t of ['answer lost', 'o1', 'o2', 'o3']) if (texts.get(t) !== 1) violations.push(`${t} ×${texts.get(t) ?? 0}`);
    });
    // The doc already holds the lost-answer entry; its prediction is not shown twice.
    expect(chatTexts(second.view.get())).toEqual(['answer lost', 'o1', 'o2', 'o3']);

    await s.start();
    await waitFor(() => second.intents.pendingCount.get() === 0, 'all delivered');
    const events = await serverEvents(s, sess.id, sess.gm.token);
    expect(events.map((e) => [e.sequence, e.id, (e.payload as { text: string }).text])).toEqual([
      [1, lost.id, 'answer lost'],
      [2, offline[0]!.id, 'o1'],
      [3, offline[1]!.id, 'o2'],
      [4, offline[2]!.id, 'o3'],
    ]);
    await waitFor(() => second.doc('table').getArray('chat').length === 4, 'doc synced');
    expect(chatTexts(second.view.get())).toEqual(['answer lost', 'o1', 'o2', 'o3']);
    expect(violations).toEqual([]);
    expect(second.intents.lastSequence.get()).toBe(4);
  });
});
