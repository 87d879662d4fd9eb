import type { LogEntry } from '@dungeon-lab/events';
import { MessageType } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { interceptFrames, serverState } from './event-log.fixture.ts';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, startTestServer, testClient, waitFor, type TestServer, type TestSession } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<TestServer> {
  const s = await startTestServer({ eventLog: { rateLimit: { burst: 10_000, perSecond: 10_000 } } });
  cleanups.push(() => s.dispose());
  return s;
}

function client(s: TestServer, session: TestSession, name: string): SessionClient {
  const c = testClient(s.url, { sessionId: session.id, token: session.users[name]!.token, persistence: memoryPersistence() });
  cleanups.push(() => c.destroy());
  return c;
}

function recordApplied(c: SessionClient): Array<{ sequence: number; replayed: boolean; text: unknown }> {
  const seen: Array<{ sequence: number; replayed: boolean; text: unknown }> = [];
  c.intents.on('applied', ({ entry, replayed }: { entry: LogEntry; replayed: boolean }) =>
    seen.push({ sequence: entry.event.sequence, replayed, text: (entry.event.payload as { text?: unknown }).text }),
  );
  return seen;
}

async function send(c: SessionClient, texts: string[]): Promise<void> {
  await Promise.all(texts.map((text) => c.intents.submit('chat:message', { text }).result));
}

describe('catch-up', () => {
  it('[EQ9][EL5] a swallowed event-applied is noticed through the doc sequence and read back', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['alice', 'bob']);
    const a = client(s, sess, 'alice');
    const b = client(s, sess, 'bob');
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    const applied = recordApplied(b);
    const catchUps = interceptFrames(b, MessageType.CatchUpResponse);
    interceptFrames(b, MessageType.EventApplied, (_msg, index) => index === 0);

    await send(a, ['one']);
    // Nothing else arrives: only the doc's /meta/sequence (1) says bob missed an entry.
    await waitFor(() => applied.length === 1, 'entry read back');
    expect(applied).toEqual([{ sequence: 1, replayed: true, text: 'one' }]);
    // (The answer to the connection's own `seq` may also show up here, with latest 0.)
    expect(catchUps.seen.filter((m) => m.type === 'catch-up-response' && m.latest === 1)).toEqual([
      expect.objectContaining({ skipped: false, entries: [expect.objectContaining({ status: 'applied' })] }),
    ]);
    expect(b.intents.lastSequence.get()).toBe(1);
  });

  it('[EQ9][EL5] a broadcast that skips a sequence triggers a read of the missing entry', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['alice', 'bob']);
    const a = client(s, sess, 'alice');
    const b = client(s, sess, 'bob');
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    const applied = recordApplied(b);
    interceptFrames(b, MessageType.EventApplied, (msg) => msg.type === 'event-applied' && (msg.entries[0] as LogEntry).event.sequence === 2);

    await send(a, ['one']);
    await waitFor(() => applied.length === 1, 'first');
    await send(a, ['two']);
    await send(a, ['three']);
    await waitFor(() => applied.length === 3, 'all three');
    expect(applied.map((e) => e.sequence).sort()).toEqual([1, 2, 3]);
    expect(applied.find((e) => e.sequence === 2)!.replayed).toBe(true);
    expect(b.intents.lastSequence.get()).toBe(3);
  });

  it('[EQ9][EL5] a reconnecting client sends its last sequence and gets what it missed, unasked', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['alice', 'bob']);
    const a = client(s, sess, 'alice');
    const b = client(s, sess, 'bob');
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    await send(a, ['before']);
    await waitFor(() => b.intents.lastSequence.get() === 1, 'bob at 1');
    b.disconnect();
    await send(a, ['m1', 'm2', 'm3', 'm4', 'm5']);
    const applied = recordApplied(b);
    b.connect();
    await b.whenSynced();
    expect(b.channel('table').url).toMatch(/[?&]seq=1(&|$)/);
    // The token travels as a subprotocol, never in the URL.
    expect(b.channel('table').url).not.toMatch(/token=/);
    await waitFor(() => applied.length === 5, 'replayed');
    expect(applied.map((e) => [e.sequence, e.replayed])).toEqual([2, 3, 4, 5, 6].map((n) => [n, true]));
    expect(b.intents.lastSequence.get()).toBe(6);
  });

  it('[EQ9][EL5] more than 100 missing entries are skipped: no replay, the doc arrives through Yjs', async () => {
    const s = await server();
    const sess = await createTestSession(s.url, ['alice', 'bob']);
    const a = client(s, sess, 'alice');
    const b = client(s, sess, 'bob');
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    b.disconnect();
    await send(
      a,
      Array.from({ length: 150 }, (_, i) => `m${i}`),
    );
    const applied = recordApplied(b);
    const catchUps = interceptFrames(b, MessageType.CatchUpResponse);
    b.connect();
    await waitFor(() => b.intents.lastSequence.get() === 150, 'position after the skip');
    expect(catchUps.seen).toContainEqual(expect.objectContaining({ skipped: true, latest: 150, entries: [] }));
    expect(catchUps.seen.every((m) => m.type === 'catch-up-response' && m.skipped)).toBe(true);
    expect(applied).toEqual([]);
    const { state } = await serverState(s, sess.id, sess.gm.token);
    await waitFor(() => JSON.stringify(b.view.get()) === JSON.stringify(state), 'view from the Yjs sync');
    // Live again: the next entry is announced normally.
    await send(a, ['after']);
    await waitFor(() => applied.length === 1, 'next broadcast');
    expect(applied).toEqual([{ sequence: 151, replayed: false, text: 'after' }]);
  });
});
