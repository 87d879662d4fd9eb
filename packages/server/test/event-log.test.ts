import {
  type Ack,
  type IntentDefinition,
  type LogEntry,
  type StateEvent,
  createIntent,
  invalid,
  valid,
} from '@dungeon-lab/events';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { z } from 'zod';
import { encodeLogEntry } from '../src/event-log/log-codec.ts';
import { type RunningServer, connectProvider, startServer, synced, tempDir, waitFor } from './helpers.ts';
import { chat, getJson, type IntentClient, openIntentClient, postJson } from './intent-client.ts';
import { bearer } from './test-identity.ts';

/** Test intents standing in for rules that do not commute: HP with a floor at 0. */
const spawn: IntentDefinition<{ actor: string; hp: number }> = {
  type: 'test:spawn',
  payload: z.object({ actor: z.string().min(1), hp: z.number().int().positive() }),
  validate: () => valid,
  reduce: (e) => [{ op: 'add', path: `/actors/${e.payload.actor}`, value: { hp: e.payload.hp } }],
};
const hit: IntentDefinition<{ actor: string; amount: number }> = {
  type: 'test:hit',
  payload: z.object({ actor: z.string().min(1), amount: z.number().int().positive() }),
  validate: (p, state) => (typeof state.get(`/actors/${p.actor}/hp`) === 'number' ? valid : invalid('rule-violation', `no actor ${p.actor}`)),
  reduce: (e, state) => [
    { op: 'replace', path: `/actors/${e.payload.actor}/hp`, value: Math.max(0, (state.get(`/actors/${e.payload.actor}/hp`) as number) - e.payload.amount) },
  ],
};

/** An intent type with a bug: its reducer throws. */
const broken: IntentDefinition<{ n: number }> = {
  type: 'test:broken',
  payload: z.object({ n: z.number() }),
  validate: () => valid,
  reduce: () => {
    throw new Error('reducer bug');
  },
};

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const running = await startServer({ intents: [spawn, hit, broken], ...options });
  cleanups.push(() => running.dispose());
  return running;
}

async function client(running: RunningServer, session: string, user: string, extra: Record<string, string> = {}): Promise<IntentClient> {
  const c = await openIntentClient(running.wsUrl, session, user, extra);
  cleanups.push(() => c.close());
  return c;
}

type State = { version: number; state: Record<string, unknown> & { chat: Array<{ text: string }>; actors: Record<string, { hp: number; _version?: number }> } };

describe('event log over sockets', () => {
  it('[EL1][EL4][EL9] an intent is sequenced, logged, written into the table doc and broadcast to the others', async () => {
    const running = await server();
    const alice = await client(running, 's1', 'alice');
    const bob = await client(running, 's1', 'bob');
    const viewer = connectProvider(running.wsUrl, 'sessions/s1/table');
    cleanups.push(() => viewer.destroy());
    await synced(viewer);

    const [ack] = await alice.request(chat('hello table'));
    expect(ack).toEqual({ id: expect.any(String), success: true, sequence: 1 });
    await waitFor(() => bob.applied.length === 1, 5_000, 'broadcast to bob');
    expect(bob.applied[0]!.event).toMatchObject({ sequence: 1, type: 'chat:message', userId: 'alice', sessionId: 's1' });
    expect(alice.applied).toHaveLength(0);
    // The effect reached a stock Yjs client through the document, together with /meta/sequence.
    await waitFor(() => viewer.doc.getArray('chat').length === 1, 5_000, 'chat in the doc');
    expect(viewer.doc.getMap('meta').get('sequence')).toBe(1);
    const { body } = await getJson<State>(`${running.url}/api/sessions/s1/state`);
    expect(body.version).toBe(1);
    expect(body.state.chat[0]).toMatchObject({ text: 'hello table', userId: 'alice', sequence: 1 });

    const more = await alice.request(chat('two'), chat('three'));
    expect(more.map((a) => (a.success ? a.sequence : 0))).toEqual([2, 3]);
  });

  it('[EL3] a resent intent gets its original ack and is applied once, also after a restart', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await startServer({ dataDir: dir.path, intents: [spawn, hit] });
    const c1 = await openIntentClient(first.wsUrl, 's2', 'alice');
    const intent = chat('only once');
    const [ack] = await c1.request(intent);
    c1.acks.clear();
    const [again] = await c1.request(intent);
    expect(again).toEqual(ack);
    await c1.close();
    await first.stop();

    const second = await server({ dataDir: dir.path });
    const c2 = await client(second, 's2', 'alice');
    const [afterRestart] = await c2.request(intent);
    expect(afterRestart).toEqual(ack);
    const { body } = await getJson<State>(`${second.url}/api/sessions/s2/state`);
    expect(body.state.chat).toHaveLength(1);
  });

  it('[EL3] a state-dependent rejection is remembered: the resend is rejected even once the state would allow it', async () => {
    const running = await server();
    const c = await client(running, 's3', 'alice');
    const early = createIntent('test:hit', { actor: 'orc', amount: 3 });
    const [rejected] = await c.request(early);
    expect(rejected).toMatchObject({ success: false, reason: 'rule-violation' });
    await c.request(createIntent('test:spawn', { actor: 'orc', hp: 10 }));
    c.acks.clear();
    const [resent] = await c.request(early);
    expect(resent).toEqual(rejected);
    const { body } = await getJson<State>(`${running.url}/api/sessions/s3/state`);
    expect(body.state.actors.orc!.hp).toBe(10);
  });

  it('[EL2] bad intents are rejected with their reason and nothing else in the session is affected', async () => {
    const running = await server();
    const c = await client(running, 's4', 'alice');
    const good = chat('still fine');
    const badChecksum = { ...chat('tampered'), checksum: `sha256:${'0'.repeat(64)}` };
    const unknown = createIntent('spell:wish', { text: 'everything' });
    const schema = createIntent('chat:message', { words: 1 });
    const huge = createIntent('chat:message', { text: 'x'.repeat(70 * 1024) });
    const acks = await c.request(badChecksum, unknown, schema, huge, good);
    expect(acks.map((a) => (a.success ? 'ok' : a.reason))).toEqual([
      'checksum-mismatch',
      'unknown-type',
      'schema-violation',
      'payload-too-large',
      'ok',
    ]);
    expect(acks[4]).toMatchObject({ success: true, sequence: 1 });
  });

  it('[EL1] an intent whose own rules throw is rejected, logged nowhere, and the session goes on', async () => {
    const running = await server();
    const c = await client(running, 's4b', 'alice');
    const acks = await c.request(createIntent('test:broken', { n: 1 }), chat('next'));
    expect(acks[0]).toMatchObject({ success: false, reason: 'rule-violation', detail: expect.stringContaining('reducer bug') });
    expect(acks[1]).toMatchObject({ success: true, sequence: 1 });
  });

  it('[EL11] a flooding user is rate-limited while another user in the session is not', async () => {
    const running = await server({ eventLog: { rateLimit: { burst: 20, perSecond: 5 } } });
    const flooder = await client(running, 's5', 'flooder');
    const calm = await client(running, 's5', 'calm');
    const flood = Array.from({ length: 200 }, (_, i) => chat(`spam ${i}`));
    for (let i = 0; i < flood.length; i += 20) flooder.submit(...flood.slice(i, i + 20));
    const mine = Array.from({ length: 10 }, (_, i) => chat(`calm ${i}`));
    const calmAcks = await calm.request(...mine);
    await waitFor(() => flood.every((i) => flooder.acks.has(i.id)), 10_000, 'flood acks');
    expect(calmAcks.every((a) => a.success)).toBe(true);
    const floodAcks = flood.map((i) => flooder.acks.get(i.id)!);
    expect(floodAcks.filter((a) => a.success).length).toBeLessThanOrEqual(25);
    expect(floodAcks.filter((a) => !a.success && a.reason === 'rate-limited').length).toBeGreaterThanOrEqual(175);
  });

  it('[EL3][EL11] a resend of a recent intent gets its original ack even when its sender is out of tokens', async () => {
    const running = await server({ eventLog: { rateLimit: { burst: 3, perSecond: 0.001 } } });
    const c = await client(running, 's5b', 'alice');
    const first = chat('first');
    const [ack] = await c.request(first, chat('second'), chat('third')).then((acks) => acks);
    const [limited] = await c.request(chat('fourth'));
    expect(limited).toMatchObject({ success: false, reason: 'rate-limited' });
    c.acks.clear();
    const [again] = await c.request(first);
    expect(again).toEqual(ack);
  });

  it('[EL6] a precondition on one entity version conflicts when that entity changed, and bumps versions when it holds', async () => {
    const running = await server();
    const c = await client(running, 's6', 'gm');
    await c.request(createIntent('test:spawn', { actor: 'ogre', hp: 30 }), createIntent('test:spawn', { actor: 'imp', hp: 5 }));
    let { body } = await getJson<State>(`${running.url}/api/sessions/s6/state`);
    expect(body.state.actors.ogre!._version).toBe(1);
    const [ok] = await c.request(createIntent('test:hit', { actor: 'ogre', amount: 4 }, { expected: { entity: '/actors/ogre', version: 1 } }));
    expect(ok!.success).toBe(true);
    const [stale] = await c.request(createIntent('test:hit', { actor: 'ogre', amount: 4 }, { expected: { entity: '/actors/ogre', version: 1 } }));
    expect(stale).toMatchObject({ success: false, reason: 'conflict', conflict: { entity: '/actors/ogre', expected: 1, actual: 2 } });
    // Another entity's version is independent: there is no global version.
    const [other] = await c.request(createIntent('test:hit', { actor: 'imp', amount: 1 }, { expected: { entity: '/actors/imp', version: 1 } }));
    expect(other!.success).toBe(true);
    ({ body } = await getJson<State>(`${running.url}/api/sessions/s6/state`));
    expect(body.state.actors.ogre).toEqual({ hp: 26, _version: 2 });
  });

  it('[EL2] non-commuting hits of 8 and 5 on 10 HP end at 0 in either order', async () => {
    const running = await server();
    for (const [session, order] of [
      ['s7a', [8, 5]],
      ['s7b', [5, 8]],
    ] as const) {
      const gm = await client(running, session, 'gm');
      await gm.request(createIntent('test:spawn', { actor: 'goblin', hp: 10 }));
      const p1 = await client(running, session, 'p1');
      const p2 = await client(running, session, 'p2');
      const h1 = createIntent('test:hit', { actor: 'goblin', amount: order[0] });
      const h2 = createIntent('test:hit', { actor: 'goblin', amount: order[1] });
      p1.submit(h1);
      p2.submit(h2);
      await waitFor(() => p1.acks.has(h1.id) && p2.acks.has(h2.id), 5_000, 'both hits');
      expect(p1.acks.get(h1.id)!.success && p2.acks.get(h2.id)!.success).toBe(true);
      const { body } = await getJson<State>(`${running.url}/api/sessions/${session}/state`);
      expect(body.state.actors.goblin!.hp).toBe(0);
    }
  });

  it('[EL2] dice are rolled by the server and the roll is what gets logged', async () => {
    const running = await server();
    const c = await client(running, 's8', 'alice');
    const claimed = createIntent('dice:roll', { notation: '2d6+3', result: { total: 15 } });
    const [ack] = await c.request(createIntent('dice:roll', { notation: '2d6+3' }), claimed);
    expect(ack!.success).toBe(true);
    const { body } = await getJson<{ events: Array<StateEvent & { status: string }> }>(`${running.url}/api/sessions/s8/events?from=1`);
    const logged = body.events[0]!.payload as { result: { total: number } };
    expect(logged.result.total).toBeGreaterThanOrEqual(5);
    expect(logged.result.total).toBeLessThanOrEqual(15);
    const claimedAck = c.acks.get(claimed.id)!;
    if (claimedAck.success) {
      // If accepted, the server's own roll replaced the claimed one.
      const second = body.events[1]!.payload as { result: { total: number; terms?: unknown } };
      expect(second.result).toHaveProperty('terms');
    }
  });
});

describe('catch-up', () => {
  it('[EL5] a gap is answered with the missing entries; more than 100 missing are skipped; a reconnect with seq gets it unasked', async () => {
    const running = await server({ eventLog: { rateLimit: { burst: 1000, perSecond: 1000 } } });
    const writer = await client(running, 'c1', 'writer');
    await writer.request(...Array.from({ length: 30 }, (_, i) => chat(`m${i}`)));
    const reader = await client(running, 'c1', 'reader');
    const { encodeMessage } = await import('@dungeon-lab/protocol');
    reader.send(encodeMessage({ type: 'catch-up-request', from: 26 }));
    await waitFor(() => reader.catchUps.length === 1, 5_000, 'catch-up answer');
    expect(reader.catchUps[0]!.skipped).toBe(false);
    expect(reader.catchUps[0]!.latest).toBe(30);
    expect(reader.catchUps[0]!.entries.map((e: LogEntry) => e.event.sequence)).toEqual([26, 27, 28, 29, 30]);

    await writer.request(...Array.from({ length: 120 }, (_, i) => chat(`n${i}`)).slice(0, 45));
    await writer.request(...Array.from({ length: 50 }, (_, i) => chat(`o${i}`)));
    // 125 entries now; a client that last saw 10 is 115 behind.
    const late = await client(running, 'c1', 'late', { seq: '10' });
    await waitFor(() => late.catchUps.length === 1, 5_000, 'automatic catch-up');
    expect(late.catchUps[0]).toMatchObject({ skipped: true, latest: 125, entries: [] });
    const near = await client(running, 'c1', 'near', { seq: '120' });
    await waitFor(() => near.catchUps.length === 1, 5_000, 'automatic catch-up (near)');
    expect(near.catchUps[0]!.entries.map((e: LogEntry) => e.event.sequence)).toEqual([121, 122, 123, 124, 125]);
  });
});

describe('recovery', () => {
  it('[EL9] a logged event whose effects never reached the stored doc is replayed when the table room loads', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await startServer({ dataDir: dir.path });
    const c = await openIntentClient(first.wsUrl, 'r1', 'alice');
    await c.request(chat('before the crash'));
    await c.close();
    await first.stop();

    // The crash window: entry 2 is durable in the log, its doc update is not.
    const { createLevelStore } = await import('@dungeon-lab/store-level');
    const store = await createLevelStore({ dataDir: dir.path });
    const entry: LogEntry = {
      event: {
        id: '6f1c2a4e-8b1d-4f3a-9c55-0b1d2e3f4a5b',
        sequence: 2,
        timestamp: Date.now(),
        type: 'chat:message',
        payload: { text: 'logged, not applied' },
        userId: 'alice',
        sessionId: 'r1',
        checksum: createIntent('chat:message', { text: 'logged, not applied' }).checksum!,
      },
      status: 'applied',
      patch: [{ op: 'add', path: '/chat/-', value: { id: 'x', userId: 'alice', text: 'logged, not applied', timestamp: 1, sequence: 2 } }],
    };
    await store.appendEvents('r1', [{ sequence: 2, id: entry.event.id, data: encodeLogEntry(entry) }]);
    await store.close();

    const second = await server({ dataDir: dir.path });
    const viewer = connectProvider(second.wsUrl, 'sessions/r1/table', new Y.Doc());
    cleanups.push(() => viewer.destroy());
    await synced(viewer);
    // Already there at the first sync: recovery ran before anyone could sync.
    expect(viewer.doc.getArray('chat').toJSON().map((m: { text: string }) => m.text)).toEqual(['before the crash', 'logged, not applied']);
    expect(viewer.doc.getMap('meta').get('sequence')).toBe(2);
    const c2 = await client(second, 'r1', 'alice');
    const [next] = await c2.request(chat('after'));
    expect(next).toMatchObject({ success: true, sequence: 3 });
  });
});

describe('REST', () => {
  it('[EL7] POST events runs the same pipeline and dedupe; GET events pages with next', async () => {
    const running = await server();
    const url = `${running.url}/api/sessions/rest1/events`;
    const a = chat('one');
    const noChecksum = { id: chat('x').id, type: 'chat:message', payload: { text: 'two' } };
    const bad = { ...chat('three'), checksum: `sha256:${'f'.repeat(64)}` };
    const res = await postJson<Ack[]>(url, [a, noChecksum, bad], 'bot');
    expect(res.status).toBe(200);
    expect(res.body.map((x) => (x.success ? x.sequence : x.reason))).toEqual([1, 2, 'checksum-mismatch']);
    const again = await postJson<Ack[]>(url, [a], 'bot');
    expect(again.body).toEqual([res.body[0]]);
    await postJson<Ack[]>(url, [chat('3'), chat('4'), chat('5')], 'bot');

    const page1 = await getJson<{ events: Array<StateEvent & { status: string }>; next: number | null }>(`${url}?from=1&limit=2`);
    expect(page1.body.events.map((e) => e.sequence)).toEqual([1, 2]);
    expect(page1.body.events[0]).toMatchObject({ status: 'applied', userId: 'bot', type: 'chat:message', checksum: a.checksum });
    expect(page1.body.next).toBe(3);
    const page2 = await getJson<{ events: StateEvent[]; next: number | null }>(`${url}?from=3&limit=10`);
    expect(page2.body.events.map((e) => e.sequence)).toEqual([3, 4, 5]);
    expect(page2.body.next).toBeNull();

    expect((await postJson(url, { not: 'an array' })).status).toBe(400);
    expect((await getJson(`${url}?from=-1`)).status).toBe(400);
    const raw = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer('tester') }, body: '[{' });
    expect(raw.status).toBe(400);
    expect((await getJson(`${running.url}/api/sessions/bad%20id/state`)).status).toBe(400);
  });

  it('[EL8] checkpoints are stored with version, checksum and state vector, listed, and restored as a new version', async () => {
    const running = await server();
    const base = `${running.url}/api/sessions/cp1`;
    await postJson(`${base}/events`, [createIntent('test:spawn', { actor: 'dragon', hp: 200 }), chat('before')]);
    const cp = await postJson<{ id: string; name: string; version: number; checksum: string; stateVector: string }>(`${base}/checkpoint`, { name: 'before the fight' });
    expect(cp.status).toBe(201);
    expect(cp.body).toMatchObject({ name: 'before the fight', version: 2, checksum: expect.any(String), stateVector: expect.any(String) });
    const before = (await getJson<State>(`${base}/state`)).body.state;

    await postJson(`${base}/events`, [createIntent('test:hit', { actor: 'dragon', amount: 150 }), chat('after'), createIntent('test:spawn', { actor: 'kobold', hp: 4 })]);
    const list = await getJson<{ checkpoints: Array<{ id: string }> }>(`${base}/checkpoints`);
    expect(list.body.checkpoints.map((c) => c.id)).toEqual([cp.body.id]);

    const restored = await postJson<{ sequence: number }>(`${base}/checkpoints/${cp.body.id}/restore`, {});
    expect(restored.status).toBe(200);
    expect(restored.body.sequence).toBe(6);
    const after = (await getJson<State>(`${base}/state`)).body;
    expect(after.version).toBe(6);
    expect(after.state.chat).toEqual(before.chat);
    expect(Object.keys(after.state.actors)).toEqual(['dragon']);
    expect(after.state.actors.dragon!.hp).toBe(200);
    // Versions keep growing: the restore is a new version, not a rewind.
    expect(after.state.actors.dragon!._version).toBeGreaterThan(2);
    const history = await getJson<{ events: StateEvent[] }>(`${base}/events?from=1`);
    expect(history.body.events.map((e) => e.type)).toEqual(['test:spawn', 'chat:message', 'test:hit', 'chat:message', 'test:spawn', 'checkpoint:restore']);
    expect((await postJson(`${base}/checkpoints/nope/restore`, {})).status).toBe(404);
  });
});
