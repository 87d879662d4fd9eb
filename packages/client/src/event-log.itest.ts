import { createIntentRegistry, type Ack, type JsonObject, type LogEntry } from '@dungeon-lab/events';
import { MessageType, type ProtocolMessage } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { chatTexts, interceptFrames, serverEvents, serverState } from './event-log.fixture.ts';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, startTestServer, testClient, waitFor, type TestServer, type TestSession } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';
import { TEST_INTENTS } from './test-intents.fixture.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  // Generous rate limits unless a test is about them: under CPU load acks slow down, resends grow, and each costs a token.
  const s = await startTestServer({ intents: TEST_INTENTS, eventLog: { rateLimit: { burst: 10_000, perSecond: 10_000 } }, ...options });
  cleanups.push(() => s.dispose());
  return s;
}

/** A session with alice as its GM and bob as a player. */
const session = (s: TestServer): Promise<TestSession> => createTestSession(s.url, ['alice', 'bob']);

function client(s: TestServer, session: TestSession, name: string, extra: Partial<Parameters<typeof testClient>[1]> = {}): SessionClient {
  const token = session.users[name]!.token;
  const c = testClient(s.url, { sessionId: session.id, token, persistence: memoryPersistence(), intents: createIntentRegistry(TEST_INTENTS), ...extra });
  cleanups.push(() => c.destroy());
  return c;
}

const acks = (msgs: ProtocolMessage[]) => msgs.flatMap((m) => (m.type === 'intent-ack' ? (m.acks as Ack[]) : []));

describe('intents over the table socket', () => {
  it('[EL1][EQ7] predicts at once, acks the sender, tells the others; both views end equal to the server state', async () => {
    const s = await server();
    const sess = await session(s);
    const a = client(s, sess, 'alice');
    const b = client(s, sess, 'bob');
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    const applied: Array<{ entry: LogEntry; replayed: boolean }> = [];
    b.intents.on('applied', (e) => applied.push(e));
    const acked: number[] = [];
    a.intents.on('ack', (e) => acked.push(e.sequence));

    const { id, result } = a.intents.submit('chat:message', { text: 'hello' });
    const alice = sess.users.alice!.userId;
    expect(a.view.get().chat).toEqual([{ id, text: 'hello', userId: alice, timestamp: expect.any(Number) }]);
    // The prediction lives in the view only, never in the shared doc.
    expect(a.doc('table').getArray('chat').length).toBe(0);
    expect(a.pendingIntents.get().map((p) => p.state)).toEqual(['sent']);
    expect(await result).toEqual({ id, success: true, sequence: 1 });
    expect(acked).toEqual([1]);
    expect(a.pendingIntents.get()).toEqual([]);
    await waitFor(() => applied.length === 1, 'bob told');
    expect(applied[0]).toMatchObject({ replayed: false, entry: { status: 'applied', event: { id, sequence: 1, userId: alice } } });

    const { state, version } = await serverState(s, sess.id, sess.gm.token);
    expect(version).toBe(1);
    await waitFor(() => JSON.stringify(b.view.get()) === JSON.stringify(state), 'bob view');
    expect(a.view.get()).toEqual(state);
    expect([a.intents.lastSequence.get(), b.intents.lastSequence.get()]).toEqual([1, 1]);
    expect(await serverEvents(s, sess.id, sess.gm.token)).toHaveLength(1);
  });

  it('[EQ8] at every message boundary each own intent shows exactly once: prediction or real entry, never both, never neither', async () => {
    const s = await server();
    const sess = await session(s);
    const a = client(s, sess, 'alice');
    const b = client(s, sess, 'bob');
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    const own = new Set<string>();
    const violations: string[] = [];
    let heldWhileDocAhead = 0;
    const check = (where: string) => {
      const view = a.view.get();
      const ids = (view.chat as Array<{ id: string }>).map((e) => e.id);
      for (const id of own) {
        const n = ids.filter((x) => x === id).length;
        if (n !== 1) violations.push(`${where}: ${id} shown ${n}×`);
      }
      // The doc already holds an entry whose ack has not arrived: the hold is what keeps it single.
      const docIds = a.doc('table').getArray<Y.Map<unknown>>('chat').map((m) => m.get('id') as string);
      if (a.pendingIntents.get().some((p) => docIds.includes(p.intent.id))) heldWhileDocAhead++;
    };
    // An ack normally comes before its effect, which the server shows once stored ([EL22]). Every other one is
    // held back here, in order, until the next document update has been handled, so that an effect may come
    // first — as it did before [EL22], and may when an ack is forwarded between processes: both handovers checked.
    const lateAcks: Uint8Array[] = [];
    let releasing = false;
    const releaseAcks = () => {
      releasing = true;
      while (lateAcks.length > 0) {
        // Handed to the channel as if from the socket: through the intercept below, which lets it by.
        a.channel('table').receive(lateAcks.shift()!);
        check('after a late ack');
      }
      releasing = false;
    };
    a.channel('table').intercept(MessageType.Sync, (_frame, deliver) => {
      deliver();
      check(`after message ${MessageType.Sync}`);
      releaseAcks();
    });
    a.channel('table').intercept(MessageType.EventApplied, (_frame, deliver) => {
      deliver();
      check(`after message ${MessageType.EventApplied}`);
    });
    let acks = 0;
    a.channel('table').intercept(MessageType.IntentAck, (frame, deliver) => {
      if (releasing) {
        deliver();
        return;
      }
      if (acks++ % 2 === 0 || lateAcks.length > 0) {
        lateAcks.push(frame.slice());
        // No update may follow the last ones.
        setTimeout(releaseAcks, 100);
        return;
      }
      deliver();
      check(`after message ${MessageType.IntentAck}`);
    });
    a.view.subscribe(() => check('notified'));

    const results: Array<Promise<Ack>> = [];
    for (let i = 0; i < 30; i++) {
      const { id, result } = a.intents.submit('chat:message', { text: `a${i}` }, { priority: i % 3 === 0 });
      own.add(id);
      results.push(result);
      b.intents.submit('chat:message', { text: `b${i}` });
      check('after submit');
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(results);
    await waitFor(() => b.intents.pendingCount.get() === 0, 'bob acked');
    check('end');
    expect(violations).toEqual([]);
    expect(heldWhileDocAhead).toBeGreaterThan(0);
    const { state } = await serverState(s, sess.id, sess.gm.token);
    await waitFor(() => JSON.stringify(a.view.get()) === JSON.stringify(state), 'alice view');
    expect(chatTexts(state)).toHaveLength(60);
  });

  it('[EQ5][EQ7] a rejection drops the prediction and surfaces the reason; a locally invalid one is still sent', async () => {
    const s = await server();
    const sess = await session(s);
    const a = client(s, sess, 'alice');
    const b = client(s, sess, 'bob');
    await Promise.all([a.whenSynced(), b.whenSynced()]);
    const token = new Y.Map<unknown>();
    token.set('x', 0);
    token.set('y', 0);
    a.doc('table').getMap('tokens').set('t1', token);
    await waitFor(() => b.doc('table').getMap('tokens').has('t1'), 'token synced');

    const rejected: Array<{ id: string; reason: string; detail?: string; conflict?: unknown }> = [];
    a.intents.on('rejected', (e) => rejected.push({ id: e.id, reason: e.reason, detail: e.detail, conflict: e.conflict }));

    // Predicted (version 0 matches), then overtaken by bob's move while alice is offline.
    a.disconnect();
    const mine = a.intents.submit('token:move', { tokenId: 't1', x: 5, y: 5 }, { expected: { entity: '/tokens/t1', version: 0 } });
    expect((a.view.get().tokens as JsonObject).t1).toEqual({ x: 5, y: 5, _version: 1 });
    expect((await b.intents.submit('token:move', { tokenId: 't1', x: 7, y: 7 }).result).success).toBe(true);
    // No such token: no prediction, but the server still decides.
    const ghost = a.intents.submit('token:move', { tokenId: 'ghost', x: 1, y: 1 });
    expect((a.view.get().tokens as JsonObject).ghost).toBeUndefined();
    a.connect();

    const [mineAck, ghostAck] = await Promise.all([mine.result, ghost.result]);
    expect(mineAck).toMatchObject({ success: false, reason: 'conflict', conflict: { entity: '/tokens/t1', expected: 0, actual: 1 } });
    expect(ghostAck).toMatchObject({ success: false, reason: 'rule-violation' });
    expect(rejected.map((r) => [r.id, r.reason])).toEqual([
      [mine.id, 'conflict'],
      [ghost.id, 'rule-violation'],
    ]);
    expect(rejected[1]!.detail).toMatch(/ghost/);
    await waitFor(() => a.doc('table').getMap('tokens').toJSON().t1.x === 7, 'bob move synced');
    expect((a.view.get().tokens as JsonObject).t1).toEqual({ x: 7, y: 7, _version: 1 });
    expect(a.pendingIntents.get()).toEqual([]);
  });

  it('[EQ5][EL11] rate-limited answers keep intents queued; they are retried after backoff and all land, in order', async () => {
    const s = await server({ eventLog: { rateLimit: { burst: 3, perSecond: 20 } } });
    const sess = await session(s);
    const a = client(s, sess, 'alice');
    await a.whenSynced();
    const frames = interceptFrames(a, MessageType.IntentAck);
    const rejected: string[] = [];
    a.intents.on('rejected', (e) => rejected.push(e.reason));
    const submitted = Array.from({ length: 12 }, (_, i) => a.intents.submit('chat:message', { text: `m${i}` }));
    const results = await Promise.all(submitted.map((x) => x.result));
    expect(results.every((r) => r.success)).toBe(true);
    expect(acks(frames.seen).some((ack) => !ack.success && ack.reason === 'rate-limited')).toBe(true);
    expect(rejected).toEqual([]);
    const events = await serverEvents(s, sess.id, sess.gm.token);
    expect(events.map((e) => e.id)).toEqual(submitted.map((x) => x.id));
  });

  it('[EQ4][EL3] unanswered resends end in delivery-failed, the intent stays queued, and a later resend gets its original ack', async () => {
    const s = await server();
    const sess = await session(s);
    const a = client(s, sess, 'alice', { eventQueue: { retryDelaysMs: [10, 10, 10, 10, 20] } });
    await a.whenSynced();
    let blackout = true;
    // Acks lost, and the log entries that could stand in for them too.
    const ackFrames = interceptFrames(a, MessageType.IntentAck, () => blackout);
    interceptFrames(a, MessageType.CatchUpResponse, () => blackout);
    const failed: Array<{ id: string; retries: number }> = [];
    a.intents.on('delivery-failed', (e) => failed.push({ id: e.id, retries: e.retries }));

    const { id, result } = a.intents.submit('chat:message', { text: 'echo' });
    await waitFor(() => failed.length === 1, 'delivery-failed');
    expect(failed).toEqual([{ id, retries: 5 }]);
    expect(a.pendingIntents.get().map((p) => [p.intent.id, p.state])).toEqual([[id, 'delivery-failed']]);
    // Every resend reached the server and got the same original answer.
    const answers = acks(ackFrames.dropped);
    expect(answers.length).toBeGreaterThanOrEqual(5);
    expect(new Set(answers.map((x) => JSON.stringify(x)))).toEqual(new Set([JSON.stringify({ id, success: true, sequence: 1 })]));
    // The view kept the real entry once (the doc has it; the prediction held back).
    expect(chatTexts(a.view.get())).toEqual(['echo']);

    blackout = false;
    expect(await result).toEqual({ id, success: true, sequence: 1 });
    expect(await serverEvents(s, sess.id, sess.gm.token)).toHaveLength(1);
    expect(a.pendingIntents.get()).toEqual([]);
  });
});

describe('non-commuting intents', () => {
  /** HP 10, hits of 8 and 5 at once: 10−8=2→0 or 10−5=5→0. */
  async function hits(order: 'alice-first' | 'bob-first' | 'together') {
    const s = await server();
    const sess = await session(s);
    const alice = client(s, sess, 'alice');
    const bob = client(s, sess, 'bob');
    await Promise.all([alice.whenSynced(), bob.whenSynced()]);
    await alice.intents.submit('test:spawn', { actor: 'hero', hp: 10 }).result;
    const hp = (c: SessionClient, from: JsonObject = c.view.get()) => ((from.actors as JsonObject).hero as { hp: number } | undefined)?.hp;
    const docHp = (c: SessionClient) => (c.doc('table').getMap('actors').get('hero') as Y.Map<number>).get('hp')!;
    await waitFor(() => hp(bob) === 10, 'bob sees the hero');

    // Each view, as published, must be the doc with the client's own hit predicted on top until its ack.
    const problems: string[] = [];
    const published = new Map<SessionClient, number>();
    const docSequence = (c: SessionClient) => c.doc('table').getMap('meta').get('sequence') as number;
    const watch = (c: SessionClient, amount: number) => {
      let acked: number | null = null;
      c.intents.on('ack', (e) => {
        acked = e.sequence;
      });
      c.view.subscribe((view) => {
        published.set(c, (published.get(c) ?? 0) + 1);
        // The prediction stays until the doc holds the acked sequence ([EQ8]): the effect follows the ack ([EL22]).
        const expected = acked !== null && docSequence(c) >= acked ? docHp(c) : Math.max(0, docHp(c) - amount);
        if (hp(c, view) !== expected) problems.push(`${c.intents === alice.intents ? 'alice' : 'bob'}: view ${hp(c, view)}, expected ${expected}`);
      });
    };
    watch(alice, 8);
    watch(bob, 5);

    alice.disconnect();
    bob.disconnect();
    const a = alice.intents.submit('test:hit', { actor: 'hero', amount: 8 });
    const b = bob.intents.submit('test:hit', { actor: 'hero', amount: 5 });
    expect(hp(alice)).toBe(2);
    expect(hp(bob)).toBe(5);
    if (order === 'together') {
      alice.connect();
      bob.connect();
      await Promise.all([a.result, b.result]);
    } else {
      const [first, second] = order === 'alice-first' ? [alice, bob] : [bob, alice];
      first.connect();
      await (order === 'alice-first' ? a : b).result;
      // The first hit reaches the second client by sync, under its still-pending prediction.
      second.connect();
      await Promise.all([a.result, b.result]);
    }
    const { state } = await serverState(s, sess.id, sess.gm.token);
    expect(((state.actors as JsonObject).hero as { hp: number }).hp).toBe(0);
    for (const c of [alice, bob]) await waitFor(() => JSON.stringify(c.view.get()) === JSON.stringify(state), 'view equals server');
    expect(problems).toEqual([]);
    expect(published.get(alice)).toBeGreaterThanOrEqual(2);
    expect(published.get(bob)).toBeGreaterThanOrEqual(2);
    const [ackA, ackB] = [await a.result, await b.result];
    expect(ackA.success && ackB.success).toBe(true);
  }

  it('[EQ7][EQ8] alice first: 0; each overlay showed its own prediction until the ack', () => hits('alice-first'));
  it('[EQ7][EQ8] bob first: 0; each overlay showed its own prediction until the ack', () => hits('bob-first'));
  it('[EQ7][EQ8] both at once: 0; each overlay showed its own prediction until the ack', () => hits('together'));
});
