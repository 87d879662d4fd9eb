import { createIntent, type Ack, type Intent } from '@dungeon-lab/events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventQueue, type EventQueueOptions } from './event-queue.ts';

/** A queue whose "socket" records every intent-submit with the fake clock's time. */
function setup(extra: Partial<EventQueueOptions> = {}) {
  const sent: Array<{ at: number; ids: string[] }> = [];
  const net = { open: true };
  const start = Date.now();
  const queue = new EventQueue({
    send: (intents) => {
      if (!net.open) return false;
      sent.push({ at: Date.now() - start, ids: intents.map((i) => i.id) });
      return true;
    },
    appliedSequence: () => 7,
    ...extra,
  });
  const failed: string[] = [];
  // With the state a listener sees at that moment.
  queue.events.on('delivery-failed', (e) => failed.push(`${e.id}:${queue.list().find((p) => p.intent.id === e.id)?.state}`));
  return { queue, sent, net, failed, start };
}

let n = 0;
function chat(): Intent {
  return createIntent('chat:message', { text: `m${n++}` });
}

const ok = (id: string, sequence: number): Ack => ({ id, success: true, sequence });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EventQueue batching', () => {
  it('[EQ2] holds normal intents for one 50 ms window and sends them as one message', async () => {
    const { queue, sent } = setup();
    queue.setConnected(true);
    const a = chat();
    const b = chat();
    void queue.submit(a, false);
    await vi.advanceTimersByTimeAsync(30);
    void queue.submit(b, false);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    expect(sent).toEqual([{ at: 50, ids: [a.id, b.id] }]);
    expect(queue.list().map((p) => p.state)).toEqual(['sent', 'sent']);
  });

  it('[EQ2] a window closes early once it holds 10 intents; the 11th opens the next window', async () => {
    const { queue, sent } = setup();
    queue.setConnected(true);
    const intents = Array.from({ length: 11 }, chat);
    for (const i of intents) void queue.submit(i, false);
    expect(sent).toEqual([{ at: 0, ids: intents.slice(0, 10).map((i) => i.id) }]);
    await vi.advanceTimersByTimeAsync(50);
    expect(sent[1]).toEqual({ at: 50, ids: [intents[10]!.id] });
  });

  it('[EQ3] a priority intent flushes at once, taking the earlier unsent ones along in order', async () => {
    const { queue, sent } = setup();
    queue.setConnected(true);
    const slow = chat();
    const urgent = chat();
    void queue.submit(slow, false);
    await vi.advanceTimersByTimeAsync(10);
    void queue.submit(urgent, true);
    expect(sent).toEqual([{ at: 10, ids: [slow.id, urgent.id] }]);
    // The window it replaced sends nothing more.
    await vi.advanceTimersByTimeAsync(60);
    expect(sent).toHaveLength(1);
  });

  it('[EQ3] priority flushes split into messages of at most 10', () => {
    const { queue, sent } = setup({ retryDelaysMs: [10_000] });
    const intents = Array.from({ length: 25 }, chat);
    for (const i of intents) void queue.submit(i, false);
    queue.setConnected(true);
    expect(sent.map((s) => s.ids.length)).toEqual([10, 10, 5]);
    expect(sent.flatMap((s) => s.ids)).toEqual(intents.map((i) => i.id));
  });
});

describe('EventQueue retries', () => {
  it('[EQ4] resends after 100, 200, 400, 800, 1600 ms, then reports delivery-failed once and keeps retrying every 1600 ms', async () => {
    const { queue, sent, failed } = setup();
    queue.setConnected(true);
    const i = chat();
    void queue.submit(i, true);
    await vi.advanceTimersByTimeAsync(4699);
    expect(sent.map((s) => s.at)).toEqual([0, 100, 300, 700, 1500, 3100]);
    expect(failed).toEqual([]);
    expect(queue.list()[0]!.state).toBe('sent');
    await vi.advanceTimersByTimeAsync(1);
    expect(failed).toEqual([`${i.id}:delivery-failed`]);
    expect(queue.list()[0]!.state).toBe('delivery-failed');
    await vi.advanceTimersByTimeAsync(3200);
    expect(sent.map((s) => s.at)).toEqual([0, 100, 300, 700, 1500, 3100, 4700, 6300, 7900]);
    expect(failed).toHaveLength(1);
    // Still queued, and an ack settles it even now.
    expect(queue.size).toBe(1);
    queue.handleAck(ok(i.id, 3));
    expect(queue.size).toBe(0);
  });

  it('[EQ28] retryNow sends a failed intent at once and starts its schedule over', async () => {
    const { queue, sent, failed } = setup();
    queue.setConnected(true);
    const i = chat();
    void queue.submit(i, true);
    await vi.advanceTimersByTimeAsync(4700);
    expect(queue.list()[0]!.state).toBe('delivery-failed');
    await vi.advanceTimersByTimeAsync(300);
    const before = sent.length;
    queue.retryNow();
    expect(sent).toHaveLength(before + 1);
    expect(sent.at(-1)).toEqual({ at: 5000, ids: [i.id] });
    expect(queue.list()[0]!.state).toBe('sent');
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.at(-1)!.at).toBe(5100);
    // Nothing failed: nothing to do.
    const { queue: quiet, sent: none } = setup();
    quiet.retryNow();
    expect(none).toEqual([]);
    expect(failed).toHaveLength(1);
  });

  it('[EQ4] an ack stops the retries; a resend always carries the same id', async () => {
    const { queue, sent } = setup();
    queue.setConnected(true);
    const i = chat();
    const result = queue.submit(i, true);
    await vi.advanceTimersByTimeAsync(150);
    expect(sent.map((s) => s.ids)).toEqual([[i.id], [i.id]]);
    queue.handleAck(ok(i.id, 4));
    await expect(result).resolves.toEqual(ok(i.id, 4));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(2);
  });

  it('[EQ4] does not retry while offline; retries restart on the next connection', async () => {
    const { queue, sent, net } = setup();
    queue.setConnected(true);
    const i = chat();
    void queue.submit(i, true);
    net.open = false;
    queue.setConnected(false);
    expect(queue.list()[0]!.state).toBe('queued');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(1);
    net.open = true;
    queue.setConnected(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.map((s) => s.at)).toEqual([0, 10_000, 10_100]);
  });
});

describe('EventQueue answers', () => {
  it('[EQ5] success and final rejections leave the queue and settle the result', async () => {
    const { queue } = setup();
    const rejected: string[] = [];
    queue.events.on('rejected', (e) => rejected.push(`${e.id}:${e.reason}:${e.detail}`));
    queue.setConnected(true);
    const a = chat();
    const b = chat();
    const ra = queue.submit(a, true);
    const rb = queue.submit(b, true);
    queue.handleAck({ id: b.id, success: false, reason: 'rule-violation', detail: 'no' });
    queue.handleAck(ok(a.id, 1));
    expect(queue.size).toBe(0);
    await expect(ra).resolves.toMatchObject({ success: true, sequence: 1 });
    await expect(rb).resolves.toMatchObject({ success: false, reason: 'rule-violation' });
    expect(rejected).toEqual([`${b.id}:rule-violation:no`]);
    expect(queue.handleAck(ok(a.id, 1))).toBe(false);
  });

  it('[EQ5] rate-limited keeps the intent queued and pauses the whole outbox, growing the pause while refusals continue', async () => {
    const { queue, sent } = setup();
    queue.setConnected(true);
    const a = chat();
    const b = chat();
    const result = vi.fn();
    void queue.submit(a, true).then(result);
    queue.handleAck({ id: a.id, success: false, reason: 'rate-limited' });
    expect(queue.list()[0]!.state).toBe('queued');
    void queue.submit(b, true);
    // Paused: b waits too, so the server still sees a before b.
    expect(sent.map((s) => s.ids)).toEqual([[a.id]]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.map((s) => s.ids)).toEqual([[a.id], [a.id, b.id]]);
    // Both refused again, in one burst: one pause, of the next length (200 ms).
    queue.handleAck({ id: a.id, success: false, reason: 'rate-limited' });
    queue.handleAck({ id: b.id, success: false, reason: 'rate-limited' });
    await vi.advanceTimersByTimeAsync(199);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((s) => s.ids)).toEqual([[a.id], [a.id, b.id], [a.id, b.id]]);
    expect(sent.at(-1)!.at).toBe(300);
    await Promise.resolve();
    expect(result).not.toHaveBeenCalled();
    // A success ends the series: the next refusal pauses 100 ms again.
    queue.handleAck(ok(a.id, 1));
    queue.handleAck({ id: b.id, success: false, reason: 'rate-limited' });
    await vi.advanceTimersByTimeAsync(100);
    expect(sent.at(-1)).toEqual({ at: 400, ids: [b.id] });
  });

  it('[EQ5] during a rate-limit pause even unanswered intents are not resent; afterwards everything goes in queue order', async () => {
    const { queue, sent } = setup();
    queue.setConnected(true);
    const inFlight = chat();
    const refused = chat();
    void queue.submit(refused, true);
    void queue.submit(inFlight, true);
    await vi.advanceTimersByTimeAsync(50);
    queue.handleAck({ id: refused.id, success: false, reason: 'rate-limited' });
    // inFlight's first retry was due at 100 ms; the pause (until 150 ms) holds it.
    await vi.advanceTimersByTimeAsync(99);
    expect(sent.map((s) => s.at)).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.at(-1)).toEqual({ at: 150, ids: [refused.id, inFlight.id] });
  });
});

describe('EventQueue reconnects and storage', () => {
  it('[EQ6] resends everything unanswered at once on reconnect, in submission order', async () => {
    const { queue, sent, net } = setup();
    const intents = Array.from({ length: 4 }, chat);
    queue.setConnected(true);
    void queue.submit(intents[0]!, true);
    void queue.submit(intents[1]!, false);
    net.open = false;
    queue.setConnected(false);
    void queue.submit(intents[2]!, false);
    void queue.submit(intents[3]!, true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.map((s) => s.ids)).toEqual([[intents[0]!.id]]);
    net.open = true;
    queue.setConnected(true);
    expect(sent.at(-1)!.ids).toEqual(intents.map((i) => i.id));
  });

  it('[EQ1] stored() round-trips through restore(), in front of later submissions, with the first-send floor', () => {
    const first = setup();
    first.queue.setConnected(true);
    const a = chat();
    const b = chat();
    void first.queue.submit(a, true);
    void first.queue.submit(b, false);
    const stored = first.queue.stored();
    expect(stored.map((s) => [s.intent.id, s.priority, s.sentFloor])).toEqual([
      [a.id, true, 7],
      [b.id, false, null],
    ]);

    const second = setup();
    const c = chat();
    void second.queue.submit(c, false);
    second.queue.restore(JSON.parse(JSON.stringify(stored)));
    second.queue.restore(stored);
    expect(second.queue.list().map((p) => p.intent.id)).toEqual([a.id, b.id, c.id]);
    expect(second.queue.list().map((p) => p.state)).toEqual(['queued', 'queued', 'queued']);
  });

  it('rejects a duplicate id and use after dispose', () => {
    const { queue } = setup();
    const a = chat();
    void queue.submit(a, false);
    expect(() => queue.submit(a, false)).toThrow(/already queued/);
    queue.dispose();
    expect(() => queue.submit(chat(), false)).toThrow(/disposed/);
  });
});

describe('EventQueue and GM approval', () => {
  const awaiting = (id: string, sequence: number): Ack => ({ id, success: true, sequence, status: 'awaiting-approval' });

  it('[EQ15] an awaiting-approval ack settles `result` but keeps the intent, awaiting; no resends until the next connection asks once', async () => {
    const { queue, sent } = setup();
    queue.setConnected(true);
    const critical = chat();
    const result = queue.submit(critical, true);
    queue.handleAck(awaiting(critical.id, 4));
    expect(await result).toEqual(awaiting(critical.id, 4));
    expect(queue.list().map((p) => [p.state, p.approvalSequence])).toEqual([['awaiting-approval', 4]]);
    expect(queue.stored()).toEqual([expect.objectContaining({ approvalSequence: 4 })]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(1);
    // Other intents still batch and go out without it.
    const next = chat();
    void queue.submit(next, false);
    await vi.advanceTimersByTimeAsync(50);
    expect(sent.at(-1)!.ids).toEqual([next.id]);
    queue.handleAck(ok(next.id, 5));
    // A new connection: the awaiting intent is asked about once, with whatever else is unsent.
    queue.setConnected(false);
    queue.setConnected(true);
    expect(sent.at(-1)!.ids).toEqual([critical.id]);
    queue.handleAck(awaiting(critical.id, 4));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(3);
    expect(queue.list().map((p) => p.state)).toEqual(['awaiting-approval']);
  });

  it('[EQ15] the decision comes from a broadcast, or from the answer to a resend: approved (a plain success) or denied (with the reason)', () => {
    const { queue } = setup();
    const decided: string[] = [];
    queue.events.on('decided', (e) => decided.push(`${e.id}:${e.decision}:${e.reason ?? ''}`));
    queue.setConnected(true);
    const [a, b, c] = [chat(), chat(), chat()];
    for (const i of [a, b, c]) void queue.submit(i, true);
    queue.handleAck(awaiting(a.id, 1));
    queue.handleAck(awaiting(b.id, 2));
    queue.handleAck(awaiting(c.id, 3));
    expect(queue.decide({ id: a.id, sequence: 1, decision: 'denied', reason: 'no', resolvedBy: 'gm' })).toBe(true);
    expect(queue.decide({ id: a.id, sequence: 1, decision: 'denied', reason: 'no' })).toBe(false);
    queue.handleAck(ok(b.id, 2));
    queue.handleAck({ id: c.id, success: false, reason: 'denied', detail: 'the cleric is right there' });
    expect(decided).toEqual([`${a.id}:denied:no`, `${b.id}:approved:`, `${c.id}:denied:the cleric is right there`]);
    expect(queue.list()).toEqual([]);
  });

  it('[EQ15] a decision about an intent whose awaiting-approval ack was lost settles its result too', async () => {
    const { queue } = setup();
    const decided: string[] = [];
    queue.events.on('decided', (e) => decided.push(e.decision));
    queue.setConnected(true);
    const [a, b] = [chat(), chat()];
    const ra = queue.submit(a, true);
    const rb = queue.submit(b, true);
    queue.decide({ id: a.id, sequence: 1, decision: 'denied', reason: 'no' });
    queue.decide({ id: b.id, sequence: 2, decision: 'approved' });
    expect(await ra).toEqual({ id: a.id, success: false, reason: 'denied', detail: 'no' });
    expect(await rb).toEqual({ id: b.id, success: true, sequence: 2 });
    expect(decided).toEqual(['denied', 'approved']);
    expect(queue.list()).toEqual([]);
  });

  it('[EQ15] a rate-limited answer to a status query neither pauses the outbox nor settles anything', async () => {
    const { queue, sent } = setup();
    queue.setConnected(true);
    const critical = chat();
    void queue.submit(critical, true);
    queue.handleAck(awaiting(critical.id, 1));
    queue.setConnected(false);
    queue.setConnected(true);
    queue.handleAck({ id: critical.id, success: false, reason: 'rate-limited' });
    const next = chat();
    void queue.submit(next, true);
    expect(sent.at(-1)!.ids).toEqual([next.id]);
    expect(queue.list().map((p) => p.state)).toEqual(['awaiting-approval', 'sent']);
  });

  it('[EQ1][EQ15] an awaiting intent survives a reload as awaiting', () => {
    const first = setup().queue;
    first.setConnected(true);
    const critical = chat();
    void first.submit(critical, true);
    first.handleAck(awaiting(critical.id, 9));
    const { queue, sent } = setup();
    queue.restore(first.stored());
    expect(queue.list().map((p) => [p.state, p.approvalSequence])).toEqual([['awaiting-approval', 9]]);
    queue.setConnected(true);
    expect(sent.map((s) => s.ids)).toEqual([[critical.id]]);
  });
});
