/**
 * The conformance suite every intent inbox runs: rules [IN1]..[IN7] of
 * docs/architecture.md, black-box through `IntentInbox`, with several
 * processes forwarding to the one that serves a session.
 */
import type { Ack } from '@dungeon-lab/events';
import { describe, expect, it } from 'vitest';
import { LogUnavailableError, idOf } from '../event-log/acks.ts';
import { type Cluster, clusterPerTest, sleep } from '../conformance-harness.ts';
import type { ForwardedIntents, InboxHandler, IntentInbox } from './intent-inbox.ts';

/** Inboxes on one medium, each standing for one process. */
export type InboxCluster = Cluster<IntentInbox>;

/** How long a forward of the conformance suite waits for an answer. */
export const INBOX_TIMEOUT_MS = 400;

/** A handler that records what it is given and acks each intent with the next sequence. */
function sequencing(): { handler: InboxHandler; batches: ForwardedIntents[] } {
  const batches: ForwardedIntents[] = [];
  let sequence = 0;
  return {
    batches,
    handler: async (batch) => {
      batches.push(batch);
      return batch.intents.map((raw): Ack => ({ id: idOf(raw), success: true, sequence: ++sequence }));
    },
  };
}

function batchOf(ids: readonly string[], extra: Partial<ForwardedIntents> = {}): ForwardedIntents {
  return { sessionId: 's1', userId: 'bob', sender: null, intents: ids.map((id) => ({ id, type: 'chat:message', payload: { text: id } })), ...extra };
}

/** Registers the inbox conformance `describe` block; `connect(n, timeoutMs)` opens n inboxes on one fresh medium per test. */
export function runIntentInboxConformance(inboxName: string, connect: (processes: number, timeoutMs: number) => Promise<InboxCluster>): void {
  describe(`IntentInbox conformance: ${inboxName}`, () => {
    const open = clusterPerTest((processes) => connect(processes, INBOX_TIMEOUT_MS));

    it('[IN1] intents forwarded from any process reach the one serving their session, and its acks come back in order', async () => {
      const [a, b, c] = await open(3);
      const served = sequencing();
      a!.serve('s1', served.handler);
      const fromB = await b!.forward(batchOf(['i1', 'i2']));
      const fromC = await c!.forward(batchOf(['i3']));
      const fromA = await a!.forward(batchOf(['i4']));
      expect(fromB).toEqual([expect.objectContaining({ id: 'i1', sequence: 1 }), expect.objectContaining({ id: 'i2', sequence: 2 })]);
      expect(fromC).toEqual([expect.objectContaining({ id: 'i3', sequence: 3 })]);
      expect(fromA).toEqual([expect.objectContaining({ id: 'i4', sequence: 4 })]);
      // Forwards in flight together still each get their own answer.
      const together = await Promise.all(['j1', 'j2', 'j3', 'j4'].map((id, i) => [b, c][i % 2]!.forward(batchOf([id]))));
      expect(together.map((acks) => acks.map((ack) => ack.id))).toEqual([['j1'], ['j2'], ['j3'], ['j4']]);
      expect(served.batches).toHaveLength(7);
    });

    it('[IN2] a forward made while nobody serves its session waits, and is answered by the process that starts serving it', async () => {
      const [a, b] = await open(2);
      const waiting = b!.forward(batchOf(['early']));
      await sleep(INBOX_TIMEOUT_MS / 4);
      const served = sequencing();
      a!.serve('s1', served.handler);
      expect(await waiting).toEqual([expect.objectContaining({ id: 'early', success: true })]);
      expect(served.batches.map((batch) => batch.intents.length)).toEqual([1]);
    });

    it('[IN3] a forward nobody answers within the timeout rejects as an unavailable log, so the client retries', async () => {
      const [a, b] = await open(2);
      a!.serve('other-session', sequencing().handler);
      const started = Date.now();
      await expect(b!.forward(batchOf(['lost']))).rejects.toBeInstanceOf(LogUnavailableError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(INBOX_TIMEOUT_MS - 20);
    });

    it('[IN4] a process that stops serving gets nothing more, the next to serve gets what follows, and serving again on one process replaces its handler', async () => {
      const [a, b, c] = await open(3);
      const first = sequencing();
      const stop = a!.serve('s1', first.handler);
      await c!.forward(batchOf(['one']));
      stop();
      stop();
      const second = sequencing();
      b!.serve('s1', second.handler);
      await c!.forward(batchOf(['two']));
      const third = sequencing();
      b!.serve('s1', third.handler);
      await c!.forward(batchOf(['three']));
      expect(first.batches.map((batch) => idOf(batch.intents[0]))).toEqual(['one']);
      expect(second.batches.map((batch) => idOf(batch.intents[0]))).toEqual(['two']);
      expect(third.batches.map((batch) => idOf(batch.intents[0]))).toEqual(['three']);
    });

    it('[IN5] a handler that fails answers its forward with an unavailable log; the next batch is served', async () => {
      const [a, b] = await open(2);
      let fail = true;
      const served = sequencing();
      a!.serve('s1', async (batch) => {
        if (fail) throw new Error('store down');
        return served.handler(batch);
      });
      await expect(b!.forward(batchOf(['x']))).rejects.toBeInstanceOf(LogUnavailableError);
      fail = false;
      expect(await b!.forward(batchOf(['x']))).toEqual([expect.objectContaining({ id: 'x', success: true })]);
    });

    it('[IN6] a batch arrives intact: session, user, sender socket or none, and every intent deep-equal, in order', async () => {
      const [a, b] = await open(2);
      const served = sequencing();
      a!.serve('s1', served.handler);
      a!.serve('s2', served.handler);
      const intents = Array.from({ length: 50 }, (_, i) => ({ id: `i${i}`, type: 'chat:message', payload: { text: `é ✓ 🐉 ${i}`, nested: { list: [1, null, true, 'x'], deep: { n: -i / 3 } } } }));
      const sent: ForwardedIntents[] = [
        { sessionId: 's1', userId: 'mira', sender: { process: 'p-7', socket: 42 }, intents },
        { sessionId: 's2', userId: 'théo', sender: null, intents: [{ id: 'odd', type: 'x', payload: {} }, 'not even an object', null] },
      ];
      for (const batch of sent) await b!.forward(batch);
      expect(served.batches).toEqual(sent);
    });

    it('[IN7] a closed process serves no more and its waiting forwards reject; the others go on', async () => {
      const [a, b, c] = await open(3);
      a!.serve('s1', sequencing().handler);
      await a!.close();
      const waiting = b!.forward(batchOf(['after-close']));
      const own = c!.forward(batchOf(['mine'], { sessionId: 'nobody-serves' }));
      await c!.close();
      await expect(own).rejects.toBeInstanceOf(LogUnavailableError);
      const served = sequencing();
      b!.serve('s1', served.handler);
      expect(await waiting).toEqual([expect.objectContaining({ id: 'after-close' })]);
    });
  });
}
