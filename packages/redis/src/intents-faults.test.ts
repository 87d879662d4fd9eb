/**
 * Intents across Redis faults: servers of one deployment (`createServer`,
 * RedisBus, RedisLease, RedisInbox) on a redis-server of this file's own,
 * which it restarts empty — after Redis comes back, some process sequences
 * the session again within the lease's takeover bound (5 s, [EL19]). Never
 * runs on a shared REDIS_URL.
 */
import { randomUUID } from 'node:crypto';
import type { Ack } from '@dungeon-lab/events';
import type { DungeonLabServer, HolderRequest } from '@dungeon-lab/server';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { RedisInbox } from './redis-inbox.ts';
import { until } from './redis-bus.test-kit.ts';
import { type Store, serversPerFile } from './two-servers.test-kit.ts';

const { redis, cleanups, levelStore, startServers, proxyOf, api, signIn, provider } = serversPerFile(false);
/** The takeover bound: a dead holder is replaced within this long ([EL19]). */
const TAKEOVER_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers `attempt` again until it answers, at most until `deadline`; the time it took, or the last failure. */
async function retried<T>(deadline: number, attempt: () => Promise<T | null>): Promise<T> {
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const answer = await attempt();
      if (answer !== null) return answer;
    } catch (err) {
      last = err;
    }
    await sleep(50);
  }
  throw new Error(`no answer in time (last: ${String(last)})`);
}

/** One chat intent sent to `server` until it is acknowledged (its id kept, as clients do), within `deadline`. */
function acked(server: DungeonLabServer, sessionId: string, token: string, text: string, deadline: number): Promise<Ack> {
  const intent = { id: randomUUID(), type: 'chat:message', payload: { text } };
  return retried(deadline, async () => {
    const { status, body } = await api<Ack[]>(server, 'POST', `/api/sessions/${sessionId}/events`, token, [intent]);
    return status === 200 ? body[0]! : null;
  });
}

/** How many times the server's lease changed so ([OM9]: `dungeonlab_session_lease_changes_total`). */
async function leaseChanges(server: DungeonLabServer, change: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`dungeonlab_session_lease_changes_total{change="${change}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

async function gmSession(server: DungeonLabServer): Promise<{ token: string; sessionId: string }> {
  const gm = await signIn(server, 'gm');
  const session = await api<{ id: string }>(server, 'POST', '/api/sessions', gm.token, { name: 'faults' });
  return { token: gm.token, sessionId: session.body.id };
}

describe('intents across Redis faults', () => {
  it('[RS9] after Redis restarts empty, the serving process makes its inbox group again: forwards are answered again', async () => {
    const open = async () => {
      const inbox = await RedisInbox.connect({ client: await redis.connect(), timeoutMs: 1_000, onError: () => {} });
      cleanups.push(() => inbox.close());
      return inbox;
    };
    const [holder, other] = [await open(), await open()];
    const request: HolderRequest = { kind: 'approvals', sessionId: 's1' };
    holder.serve('s1', (async () => []) as never);
    expect(await other.forward(request)).toEqual([]);
    await redis.server().restart({ empty: true });
    // Before: the group was made once per process, so every read answered NOGROUP from then on, and every forward timed out.
    expect(await retried(Date.now() + TAKEOVER_MS, () => other.forward(request))).toEqual([]);
  });

  it('[EL19][RS9] after Redis restarts empty, intents sent to either process are acknowledged again within the takeover bound', async () => {
    const store = await levelStore();
    const [a, b] = await startServers([store, store]);
    const { token, sessionId } = await gmSession(a!);
    // A takes the lease; B forwards to it.
    expect(await acked(a!, sessionId, token, 'one', Date.now() + TAKEOVER_MS)).toEqual(expect.objectContaining({ success: true, sequence: 1 }));
    expect(await acked(b!, sessionId, token, 'two', Date.now() + TAKEOVER_MS)).toEqual(expect.objectContaining({ success: true, sequence: 2 }));
    await redis.server().restart({ empty: true });
    const back = Date.now();
    // A learns its grant went with Redis's data, takes the session again with the next intent, and serves it.
    await retried(back + TAKEOVER_MS, async () => ((await leaseChanges(a!, 'lost')) === 1 ? true : null));
    expect(await acked(a!, sessionId, token, 'three', back + TAKEOVER_MS)).toEqual(expect.objectContaining({ success: true, sequence: 3 }));
    expect(await leaseChanges(a!, 'acquired')).toBe(2);
    // B forwards to A again: before, A's inbox group was made once per process, A's every read answered NOGROUP, and
    // B's intents were never answered (503, for good).
    expect(await acked(b!, sessionId, token, 'four', back + TAKEOVER_MS)).toEqual(expect.objectContaining({ success: true, sequence: 4 }));
  });

  it('[EL20] a process whose sequencer starts slower than the lease\'s ttl keeps the lease it took (a slow store while Redis comes back)', async () => {
    const ttlMs = 600;
    let slow = false;
    const level = await levelStore();
    // Reading the log's end takes two ttls while `slow` is set: a start that recovers the session outlasts its grant.
    const store = new Proxy(level, {
      get(target, key) {
        if (key === 'lastSequence' && slow) {
          return async (log: string) => {
            await sleep(2 * ttlMs);
            return target.lastSequence(log);
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }) satisfies Store;
    const [a] = await startServers([store], { ttlMs });
    const { token, sessionId } = await gmSession(a!);
    // The table room loaded here: a sequencer started on this process recovers it from the store first ([EL9]).
    const table = await provider(a!, `sessions/${sessionId}/table`, { token });
    await until(() => table.synced, 'table synced');
    expect(await acked(a!, sessionId, token, 'one', Date.now() + TAKEOVER_MS)).toEqual(expect.objectContaining({ success: true, sequence: 1 }));
    // Redis restarted empty: the lease is gone, and the next intent takes it again, with the store slow.
    await redis.server().restart({ empty: true });
    await retried(Date.now() + 5 * ttlMs, async () => ((await leaseChanges(a!, 'lost')) === 1 ? true : null));
    slow = true;
    // Before: every grant expired while its sequencer started, and every attempt failed (503) for good.
    expect(await acked(a!, sessionId, token, 'two', Date.now() + TAKEOVER_MS)).toEqual(expect.objectContaining({ success: true, sequence: 2 }));
    expect(await leaseChanges(a!, 'acquired')).toBe(2);
  });

  it('[EL21] a process taking a session over merges what the store holds before it replays: an entry whose effects the cut-off holder stored is not applied twice', async () => {
    const ttlMs = 600;
    const store = await levelStore();
    const [a, b] = await startServers([store, store], { ttlMs, proxied: [0] });
    const { token, sessionId } = await gmSession(a!);
    // The table is loaded on both: B's copy hears A's effects over Redis only.
    const onA = await provider(a!, `sessions/${sessionId}/table`, { token });
    const onB = await provider(b!, `sessions/${sessionId}/table`, { token });
    await until(() => onA.synced && onB.synced, 'tables synced');
    const chat = (p: typeof onA) => (p.doc.getArray('chat').toJSON() as Array<{ text: string }>).map((line) => line.text);
    expect(await acked(a!, sessionId, token, 'one', Date.now() + TAKEOVER_MS)).toEqual(expect.objectContaining({ success: true, sequence: 1 }));
    await until(() => chat(onB).length === 1, 'the first line at B');

    // A's link to Redis goes silent while it commits the second: logged, its effects stored, their update stuck on the way to Redis.
    proxyOf(a!).partition();
    const second = { id: randomUUID(), type: 'chat:message', payload: { text: 'two' } };
    const answered = await api<Ack[]>(a!, 'POST', `/api/sessions/${sessionId}/events`, token, [second]);
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body[0]).toEqual(expect.objectContaining({ success: true, sequence: 2 }));
    // A's sockets hear it from Redis too ([BUS3]): only the store shows it now.
    const storedChat = async () => {
      const doc = new Y.Doc();
      for (const row of (await store.loadDoc(`sessions/${sessionId}/table`)).rows) Y.applyUpdate(doc, row.data);
      return (doc.getArray('chat').toJSON() as Array<{ text: string }>).map((line) => line.text);
    };
    await retried(Date.now() + 2_000, async () => ((await storedChat()).length === 2 ? true : null));
    expect(chat(onB)).toEqual(['one']);
    // The third goes to B, which takes the session over once A's grant has expired.
    await sleep(2 * ttlMs);
    expect(await acked(b!, sessionId, token, 'three', Date.now() + TAKEOVER_MS)).toEqual(expect.objectContaining({ success: true, sequence: 3 }));
    proxyOf(a!).heal();
    await until(() => chat(onA).length >= 3 && chat(onB).length >= 3, 'three lines on both');
    await sleep(1_000);
    // Before: B lacked the second line and applied entry 2 again; once A's update came, both stood.
    expect(chat(onB)).toEqual(['one', 'two', 'three']);
    expect(chat(onA)).toEqual(['one', 'two', 'three']);
  });
});
