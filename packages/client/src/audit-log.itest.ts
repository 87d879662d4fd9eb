import { afterEach, describe, expect, it } from 'vitest';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, startTestServer, testClient, waitFor } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function say(c: SessionClient, ...texts: string[]): Promise<void> {
  for (const text of texts) expect((await c.intents.submit('chat:message', { text }).result).success).toBe(true);
}

const summary = (c: SessionClient) => c.log.get().map((e) => [e.sequence, (e.payload as { text: string }).text, e.source]);

describe('audit log', () => {
  it('[EQ17] shows what the client saw — live, own acks and catch-up — in sequence order, bounded; fetchLog pages older entries', async () => {
    const s = await startTestServer({ eventLog: { rateLimit: { burst: 10_000, perSecond: 10_000 } } });
    cleanups.push(() => s.dispose());
    const sess = await createTestSession(s.url, ['alice', 'bob']);
    const open = (name: string, logLimit?: number): SessionClient => {
      const c = testClient(s.url, { sessionId: sess.id, token: sess.users[name]!.token, persistence: memoryPersistence(), logLimit });
      cleanups.push(() => c.destroy());
      return c;
    };
    const alice = open('alice');
    const bob = open('bob');
    const small = open('bob', 3);
    await Promise.all([alice.whenSynced(), bob.whenSynced(), small.whenSynced()]);
    const published: number[][] = [];
    bob.log.subscribe((entries) => published.push(entries.map((e) => e.sequence)));

    await say(alice, 'one');
    await say(bob, 'mine');
    await waitFor(() => bob.intents.lastSequence.get() === 2, 'bob at 2');
    bob.disconnect();
    await say(alice, 'two', 'three', 'four');
    bob.connect();
    await waitFor(() => bob.log.get().length === 5, 'catch-up in the log');
    expect(summary(bob)).toEqual([
      [1, 'one', 'live'],
      [2, 'mine', 'ack'],
      [3, 'two', 'catch-up'],
      [4, 'three', 'catch-up'],
      [5, 'four', 'catch-up'],
    ]);
    expect(bob.log.get()[0]).toMatchObject({ userId: sess.users.alice!.userId, type: 'chat:message', status: 'applied', timestamp: expect.any(Number) });
    expect(bob.log.get()[1]).toMatchObject({ userId: sess.users.bob!.userId, id: expect.any(String) });
    // Always ordered, and the catch-up of three entries was published at once.
    for (const seqs of published) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(published.at(-1)).toEqual([1, 2, 3, 4, 5]);
    expect(published.some((seqs) => seqs.length === 3 || seqs.length === 4)).toBe(false);

    await waitFor(() => small.log.get().length === 3 && small.log.get()[2]!.sequence === 5, 'bounded log');
    expect(small.log.get().map((e) => e.sequence)).toEqual([3, 4, 5]);

    // Older pages through the REST API, with the server's full entries (own ones too).
    const pages: Array<{ seqs: number[]; next: number | null }> = [];
    for (let from: number | null = 1; from !== null; ) {
      const page = await small.fetchLog(from, 2);
      if (!page.ok) throw new Error(page.error);
      pages.push({ seqs: page.data.entries.map((e) => e.sequence), next: page.data.next });
      from = page.data.next;
    }
    expect(pages).toEqual([
      { seqs: [1, 2], next: 3 },
      { seqs: [3, 4], next: 5 },
      { seqs: [5], next: null },
    ]);
    const first = await small.fetchLog(2, 1);
    expect(first.ok && first.data.entries[0]).toMatchObject({ sequence: 2, source: 'rest', status: 'applied', userId: sess.users.bob!.userId, timestamp: expect.any(Number) });
  });
});
