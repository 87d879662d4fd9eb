import type { JsonObject } from '@dungeon-lab/events';
import { afterEach, describe, expect, it } from 'vitest';
import { serverEvents, serverState } from './event-log.fixture.ts';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, seededRandom, startTestServer, testClient, waitFor, type TestServer } from './server-harness.fixture.ts';
import type { SessionClient } from './session-client.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Checks [EQ8] on every view a client publishes: each of its own intents that
 * was not rejected shows exactly once — as its prediction or as the real entry.
 */
function watchOwnChat(c: SessionClient, own: Set<string>): { violations: string[]; views: number } {
  const report = { violations: [] as string[], views: 0 };
  c.view.subscribe((view: JsonObject) => {
    report.views++;
    const counts = new Map<string, number>();
    for (const entry of view.chat as Array<{ id: string }>) counts.set(entry.id, (counts.get(entry.id) ?? 0) + 1);
    for (const id of own) {
      const n = counts.get(id) ?? 0;
      if (n !== 1 && report.violations.length < 10) report.violations.push(`${id} shown ${n} times`);
    }
  });
  return report;
}

describe('event queue under network chaos', () => {
  it('[EQ4][EQ5][EQ6][EQ8][EL3][EL4] two clients, 1,000 intents, random socket drops: each applied once, sequences 1..N, views equal the server', async () => {
    const N_PER_CLIENT = 500;
    const s: TestServer = await startTestServer({ eventLog: { rateLimit: { burst: 100_000, perSecond: 100_000 } } });
    cleanups.push(() => s.dispose());
    const sess = await createTestSession(s.url, ['alice', 'bob']);
    const sessionId = sess.id;
    const clients = ['alice', 'bob'].map((name) => {
      const c = testClient(s.url, { sessionId, token: sess.users[name]!.token, persistence: memoryPersistence(), backoff: { initialDelayMs: 20, maxDelayMs: 100 } });
      cleanups.push(() => c.destroy());
      return c;
    });
    await Promise.all(clients.map((c) => c.whenSynced()));

    const submitted = clients.map(() => [] as string[]);
    const own = clients.map(() => new Set<string>());
    const watches = clients.map((c, i) => watchOwnChat(c, own[i]!));
    const rejected: string[] = [];
    for (const c of clients) c.intents.on('rejected', (e) => rejected.push(`${e.id} ${e.reason}`));
    const appliedSeqs = clients.map(() => [] as number[]);
    clients.forEach((c, i) => c.intents.on('applied', (e) => appliedSeqs[i]!.push(e.entry.event.sequence)));

    const random = seededRandom(7);
    let drops = 0;
    const settled = () => clients.every((c) => c.intents.pendingCount.get() === 0);
    let submitting = true;
    // Drops go on until every intent is acked, so resends after reconnects are hit too.
    const chaos = (async () => {
      while (submitting || !settled()) {
        await sleep(30 + random() * 150);
        const victim = clients[Math.floor(random() * clients.length)]!;
        // A dropped connection: whatever was in flight on it may or may not have arrived.
        if (victim.channel('table').drop()) drops++;
      }
    })();
    await Promise.all(
      clients.map(async (c, i) => {
        for (let k = 0; k < N_PER_CLIENT; ) {
          const burst = Math.min(N_PER_CLIENT - k, 1 + Math.floor(random() * 15));
          for (let j = 0; j < burst; j++, k++) {
            // Half go through the batching window, half through the priority lane.
            const { id } = c.intents.submit('chat:message', { text: `${i}:${k}` }, { priority: random() < 0.5 });
            submitted[i]!.push(id);
            own[i]!.add(id);
          }
          await sleep(random() * 10);
        }
      }),
    );
    submitting = false;
    await waitFor(settled, 'every intent acked', 30_000);
    await chaos;

    const events = await serverEvents(s, sessionId, sess.gm.token);
    const total = 2 * N_PER_CLIENT;
    expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.id)).size).toBe(total);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(submitted.flat()));
    expect(events.every((e) => e.status === 'applied')).toBe(true);
    // Resends after a drop go out in submission order, so each user's intents were sequenced in that order.
    clients.forEach((_, i) => {
      const user = sess.users[i === 0 ? 'alice' : 'bob']!.userId;
      expect(events.filter((e) => e.userId === user).map((e) => e.id)).toEqual(submitted[i]);
    });

    const { state, version } = await serverState(s, sessionId, sess.gm.token);
    expect(version).toBe(total);
    const chatIds = (state.chat as Array<{ id: string }>).map((e) => e.id);
    expect(new Set(chatIds).size).toBe(total);
    for (const c of clients) {
      await waitFor(() => JSON.stringify(c.view.get()) === JSON.stringify(state), 'view equals server state', 10_000);
      await waitFor(() => c.intents.lastSequence.get() === total, 'last sequence', 5_000);
    }
    expect(rejected).toEqual([]);
    for (const w of watches) {
      expect(w.violations).toEqual([]);
      expect(w.views).toBeGreaterThan(0);
    }
    for (const seqs of appliedSeqs) expect(new Set(seqs).size).toBe(seqs.length);
    expect(drops).toBeGreaterThan(20);
  }, 60_000);
});
