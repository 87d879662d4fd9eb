/**
 * What the Redis bus promises beyond the conformance suite ([RS1]..[RS6],
 * [BUS8] in docs/architecture.md): the reader woken for a new channel, bad
 * entries skipped, a Redis restart survived, replays. This file kills and
 * restarts its redis-server, so it never runs on a shared REDIS_URL.
 */
import { type BusMessage, roomChannel, sessionChannel } from '@dungeon-lab/server';
import { describe, expect, it } from 'vitest';
import { closeRedis } from './connection.ts';
import { MalformedEntryError } from './errors.ts';
import { type TestProcess, redisPerFile, until } from './redis-bus.test-kit.ts';

const redis = redisPerFile(false);

function update(n: number): BusMessage {
  return { kind: 'doc-update', room: 'r', update: new Uint8Array([n]), ticket: { writer: 1, seq: n } };
}

function listen(p: TestProcess, room = 'r'): number[] {
  const seen: number[] = [];
  p.bus.subscribe(roomChannel(room), (message) => {
    if (message.kind === 'doc-update') seen.push(message.update[0] ?? -1);
  });
  return seen;
}

describe('RedisBus', () => {
  it('[RS3] a channel subscribed while the reader is blocked is read at once: CLIENT UNBLOCK, not the end of the block', async () => {
    const [a, b] = await redis.open(2);
    listen(b!, 'first');
    // The reader is now blocked on the first channel's stream.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = listen(b!, 'second');
    const start = Date.now();
    await a!.bus.publish({ kind: 'doc-update', room: 'second', update: new Uint8Array([7]), ticket: { writer: 1, seq: 1 } });
    await until(() => second.length === 1, 'the new channel');
    // BLOCK is 2 s: delivered well before it would have ended.
    expect(Date.now() - start).toBeLessThan(500);
    expect(second).toEqual([7]);
  });

  it('[RS4] a malformed entry or awareness message is reported and skipped; the fan-out goes on', async () => {
    const [a, b] = await redis.open(2);
    const seen = listen(b!);
    const presence: Uint8Array[] = [];
    b!.bus.subscribe(roomChannel('r'), (message) => {
      if (message.kind === 'awareness') presence.push(message.update);
    });
    const onSession: BusMessage[] = [];
    b!.bus.subscribe(sessionChannel('s'), (message) => void onSession.push(message));
    await a!.bus.publish(update(1));
    const raw = a!.client;
    await raw.xAdd(`${a!.prefix}:room:r`, '*', { junk: 'no fields of ours' });
    await raw.xAdd(`${a!.prefix}:room:r`, '*', { p: 'someone', n: '1', k: 'membership', j: '{}' });
    await raw.xAdd(`${a!.prefix}:session:s`, '*', { p: 'someone', n: '1', k: 'membership', j: 'not json' });
    await raw.xAdd(`${a!.prefix}:room:r`, '*', { p: 'someone', n: 'x', k: 'doc-update', u: 'a' });
    // A write ticket that is no count ([OR3]).
    await raw.xAdd(`${a!.prefix}:room:r`, '*', { p: 'someone', n: '2', k: 'doc-update', u: 'a', w: '1', s: '-1' });
    await raw.publish(`${a!.prefix}:aw:r`, 'short');
    await a!.bus.publish(update(2));
    await a!.bus.publish({ kind: 'awareness', room: 'r', update: new Uint8Array([9, 9]) });
    await a!.bus.publish({ kind: 'membership', change: { sessionId: 's', userId: 'u', role: 'player' } });
    await until(() => seen.length === 2 && presence.length === 1 && onSession.length === 1, 'the good messages');
    expect(seen).toEqual([1, 2]);
    expect(presence).toEqual([new Uint8Array([9, 9])]);
    await until(() => b!.errors.length === 6, 'six reports');
    expect(b!.errors.every(({ err }) => err instanceof MalformedEntryError)).toBe(true);
  });

  it('[RS4][BUS5] Redis killed and restarted with its AOF: publish never rejects, the reader resumes from the last id it read, a room\'s message sent as Redis died is sent again', async () => {
    const [a, b] = await redis.open(2);
    const seen = listen(b!);
    const ownSeen = listen(a!);
    await a!.bus.publish(update(1));
    await until(() => seen.length === 1, 'the first message');
    await redis.server().kill('SIGKILL');
    // Published as Redis dies: written to a dead socket, or queued by the client until it reconnects; sent again if it failed.
    const whileDown = a!.bus.publish(update(2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.server().restart();
    await expect(whileDown).resolves.toBeUndefined();
    await a!.bus.publish(update(3));
    await until(() => seen.includes(2) && seen.includes(3), 'the messages after the restart');
    // At least once, in any order: a resent XADD that had reached Redis before the crash comes twice, which a Yjs update survives.
    expect(new Set(seen)).toEqual(new Set([1, 2, 3]));
    expect(new Set(ownSeen)).toEqual(new Set([1, 2, 3]));
    // The lost connection was reported, not thrown.
    expect(b!.errors.length).toBeGreaterThan(0);
  });

  it('[RS4][BUS5] a publish whose message does not come back in time resolves anyway, reported', async () => {
    const [a] = await redis.open(1, { echoTimeoutMs: 200 });
    const seen = listen(a!);
    // Redis holds every write for 2 s: the message is neither stored nor read back meanwhile.
    await a!.client.sendCommand(['CLIENT', 'PAUSE', '2000', 'WRITE']);
    const start = Date.now();
    await a!.bus.publish(update(1));
    expect(Date.now() - start).toBeLessThan(1_500);
    expect(a!.errors.map(({ err }) => String(err))).toEqual([expect.stringMatching(/did not come back from Redis within 200 ms/)]);
    // It still arrives once Redis takes writes again.
    await until(() => seen.length === 1, 'the message after the pause');
  });

  it('[RS8] closing while Redis is unreachable ends within the grace time: no wait for Redis to come back', async () => {
    const [a] = await redis.open(1);
    listen(a!);
    await a!.bus.publish(update(1));
    await redis.server().kill('SIGKILL');
    // Owed a reply Redis will never send: the subscriber's and the reader's queues are not empty.
    void a!.bus.publish(update(2));
    a!.bus.subscribe(roomChannel('another'), () => {});
    const start = Date.now();
    await a!.bus.close();
    await closeRedis(a!.client);
    expect(Date.now() - start).toBeLessThan(1_500);
    expect(a!.client.isOpen).toBe(false);
    await redis.server().restart();
  });

  it('[RS5] awareness whose publisher\'s last stream message came before this process began reading is not held for it', async () => {
    const [a, b] = await redis.open(2, { clockSkewMs: 0 });
    await a!.bus.publish(update(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const presence: number[] = [];
    b!.bus.subscribe(roomChannel('r'), (m) => void (m.kind === 'awareness' && presence.push(Date.now())));
    const start = Date.now();
    await a!.bus.publish({ kind: 'awareness', room: 'r', update: new Uint8Array([1]) });
    await until(() => presence.length === 1, 'the presence');
    // B never reads update 1 (published before it subscribed), and knows it from the id in the header: no hold (5 s).
    expect(presence[0]! - start).toBeLessThan(1_000);
  });

  it('[RS6] Redis restarted empty: later messages still arrive (new stream ids are newer than the reader\'s cursor)', async () => {
    const [a, b] = await redis.open(2);
    const seen = listen(b!);
    await a!.bus.publish(update(1));
    await until(() => seen.length === 1, 'the first message');
    await redis.server().restart({ empty: true });
    await a!.bus.publish(update(2));
    await until(() => seen.length === 2, 'a message after the empty restart');
    expect(seen).toEqual([1, 2]);
  });

  it('[BUS8] a subscription with replayMs also gets what the stream holds from that long ago; one without does not', async () => {
    const [a, b] = await redis.open(2, { clockSkewMs: 0 });
    const live = listen(b!);
    await a!.bus.publish(update(1));
    await a!.bus.publish(update(2));
    await until(() => live.length === 2, 'the live subscription');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const replayed: number[] = [];
    const fresh: number[] = [];
    b!.bus.subscribe(roomChannel('r'), (m) => void (m.kind === 'doc-update' && replayed.push(m.update[0]!)), { replayMs: 60_000 });
    b!.bus.subscribe(roomChannel('r'), (m) => void (m.kind === 'doc-update' && fresh.push(m.update[0]!)));
    await a!.bus.publish(update(3));
    await until(() => replayed.length === 3 && fresh.length === 1, 'the replay and the fresh subscription');
    expect(replayed).toEqual([1, 2, 3]);
    expect(fresh).toEqual([3]);
    // The live subscription got nothing twice.
    expect(live).toEqual([1, 2, 3]);
  });

  it('[RS2] a stream keeps about maxLen entries (MAXLEN ~)', async () => {
    const [a] = await redis.open(1, { maxLen: 100 });
    for (let i = 0; i < 1000; i++) void a!.bus.publish(update(i));
    await a!.bus.publish(update(0));
    const length = await a!.client.xLen(`${a!.prefix}:room:r`);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(300);
  });
});
