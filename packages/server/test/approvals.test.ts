import { type ApprovalRequest, type ApprovalResolution, type LogEntry, type StateEvent, createIntent } from '@dungeon-lab/events';
import { decodeMessage } from '@dungeon-lab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { resolutionIdFor } from '../src/event-log/approval-queue.ts';
import { encodeLogEntry } from '../src/event-log/log-codec.ts';
import { type RunningServer, startServer, tempDir, waitFor } from './helpers.ts';
import { bearer, testToken } from './test-identity.ts';
import { type IntentClient, getJson, openIntentClient } from './intent-client.ts';
import { testsys } from './testsys.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(dataDir?: string): Promise<RunningServer> {
  const running = await startServer({ plugins: [testsys], ...(dataDir ? { dataDir } : {}) });
  cleanups.push(() => running.stop());
  return running;
}

/** An event-log client that also records approval messages. */
async function member(running: RunningServer, session: string, user: string) {
  const c = await openIntentClient(running.wsUrl, session, user);
  cleanups.push(() => c.close());
  const requested: ApprovalRequest[] = [];
  const resolved: ApprovalResolution[] = [];
  const ws = new WebSocket(`${running.wsUrl}/sessions/${session}/table?dl=1&token=${testToken(user)}`);
  ws.on('message', (data: Buffer) => {
    const msg = decodeMessage(new Uint8Array(data));
    if (msg.type === 'approval-requested') requested.push(...(msg.approvals as ApprovalRequest[]));
    if (msg.type === 'approval-resolved') resolved.push(...(msg.resolutions as ApprovalResolution[]));
  });
  await new Promise((r) => ws.once('open', r));
  cleanups.push(() => ws.close());
  return { c, requested, resolved };
}

type State = { state: { actors: Record<string, { hp: number; dead: boolean; _version?: number }> } };
const state = async (running: RunningServer, session: string) => (await getJson<State>(`${running.url}/api/sessions/${session}/state`)).body.state;
const decide = (c: IntentClient, payload: object) => c.request(createIntent('approval:resolve', payload as never));

async function dyingCharacter(running: RunningServer, session: string) {
  const gm = await member(running, session, 'gm-ann');
  const player = await member(running, session, 'bob');
  await gm.c.request(createIntent('plugin:testsys:spawn', { actor: 'thorin', hp: 3 }));
  await player.c.request(createIntent('plugin:testsys:hit', { actor: 'thorin', amount: 9 }));
  const [ack] = await player.c.request(createIntent('plugin:testsys:finish', { actor: 'thorin' }));
  return { gm, player, ack: ack! };
}

describe('GM approval of critical intents', () => {
  it('[EL13] a critical intent waits for the GM instead of applying; only GMs see the request', async () => {
    const running = await start();
    const { gm, player, ack } = await dyingCharacter(running, 'a1');
    expect(ack).toMatchObject({ success: true, sequence: 3, status: 'awaiting-approval' });
    expect((await state(running, 'a1')).actors.thorin).toMatchObject({ hp: 0, dead: false });
    await waitFor(() => gm.requested.length === 1, 5_000, 'approval request at the GM');
    const request = gm.requested[0]!;
    expect(request.entry.event).toMatchObject({ sequence: 3, type: 'plugin:testsys:finish', userId: 'bob' });
    expect(request.entry.status).toBe('awaiting-approval');
    expect(request.entry.patch).toEqual([{ op: 'replace', path: '/actors/thorin/dead', value: true }]);
    expect(request.summary).toBe('a character dies');
    expect(request.current['/actors/thorin']).toMatchObject({ hp: 0, dead: false });
    await new Promise((r) => setTimeout(r, 100));
    expect(player.requested).toHaveLength(0);
    const asGm = await getJson<{ approvals: ApprovalRequest[] }>(`${running.url}/api/sessions/a1/approvals`, {}, 'gm-ann');
    expect(asGm.body.approvals.map((a) => a.entry.event.sequence)).toEqual([3]);
    expect((await getJson(`${running.url}/api/sessions/a1/approvals`, {}, 'bob')).status).toBe(403);
  });

  it('[EL14] the GM approves: the effect applies, the requester is told, and both steps are in the log', async () => {
    const running = await start();
    const { gm, player } = await dyingCharacter(running, 'a2');
    const [approved] = await decide(gm.c, { sequence: 3, decision: 'approve' });
    expect(approved).toMatchObject({ success: true, sequence: 4 });
    expect((await state(running, 'a2')).actors.thorin).toMatchObject({ dead: true });
    await waitFor(() => player.resolved.length === 1, 5_000, 'resolution at the player');
    expect(player.resolved[0]).toMatchObject({ sequence: 3, decision: 'approved', resolvedBy: 'gm-ann', resolutionSequence: 4, edited: false });
    const log = await getJson<{ events: Array<StateEvent & { status: string; resolvedBy?: string }> }>(`${running.url}/api/sessions/a2/events?from=3`);
    expect(log.body.events.map((e) => [e.sequence, e.type, e.status])).toEqual([
      [3, 'plugin:testsys:finish', 'approved'],
      [4, 'approval:resolve', 'applied'],
    ]);
    expect(log.body.events[0]!.resolvedBy).toBe('gm-ann');
  });

  it('[EL14] the GM denies with a reason: nothing changes, the requester sees why, and a resend is denied too', async () => {
    const running = await start();
    const { gm, player } = await dyingCharacter(running, 'a3');
    const finishIntent = (await getJson<{ events: StateEvent[] }>(`${running.url}/api/sessions/a3/events?from=3`)).body.events[0]!;
    const [denied] = await decide(gm.c, { sequence: 3, decision: 'deny', reason: 'the cleric is right there' });
    expect(denied!.success).toBe(true);
    expect((await state(running, 'a3')).actors.thorin).toMatchObject({ hp: 0, dead: false });
    await waitFor(() => player.resolved.length === 1, 5_000, 'denial at the player');
    expect(player.resolved[0]).toMatchObject({ decision: 'denied', reason: 'the cleric is right there' });
    player.c.acks.clear();
    const [resent] = await player.c.request({ id: finishIntent.id, type: finishIntent.type, payload: finishIntent.payload });
    expect(resent).toMatchObject({ success: false, reason: 'denied', detail: 'the cleric is right there' });
  });

  it('[EL14] a player cannot approve; a second identical decision is idempotent, a contrary one conflicts', async () => {
    const running = await start();
    const { gm, player } = await dyingCharacter(running, 'a4');
    const [byPlayer] = await decide(player.c, { sequence: 3, decision: 'approve' });
    expect(byPlayer).toMatchObject({ success: false, reason: 'permission-denied' });
    expect((await state(running, 'a4')).actors.thorin!.dead).toBe(false);
    const [first] = await decide(gm.c, { sequence: 3, decision: 'approve' });
    const [again] = await decide(gm.c, { sequence: 3, decision: 'approve' });
    expect(again).toMatchObject({ success: true, sequence: (first as { sequence: number }).sequence });
    const [contrary] = await decide(gm.c, { sequence: 3, decision: 'deny', reason: 'changed my mind' });
    expect(contrary).toMatchObject({ success: false, reason: 'conflict' });
    const [nothing] = await decide(gm.c, { sequence: 1, decision: 'approve' });
    expect(nothing).toMatchObject({ success: false, reason: 'rule-violation' });
  });

  it('[EL14] edit-then-approve applies the GM’s effect when the game system accepts it', async () => {
    const running = await start();
    const { gm } = await dyingCharacter(running, 'a5');
    const [refused] = await decide(gm.c, { sequence: 3, decision: 'approve', patch: [{ op: 'add', path: '/actors/thorin/loot', value: 'axe' }] });
    expect(refused).toMatchObject({ success: false, reason: 'rule-violation' });
    const [edited] = await decide(gm.c, { sequence: 3, decision: 'approve', patch: [{ op: 'replace', path: '/actors/thorin/hp', value: 1 }] });
    expect(edited!.success).toBe(true);
    expect((await state(running, 'a5')).actors.thorin).toMatchObject({ hp: 1, dead: false });
  });

  it('[EL15] while a critical intent waits, intents on the same character are turned away; others go on', async () => {
    const running = await start();
    const { gm, player } = await dyingCharacter(running, 'a6');
    await gm.c.request(createIntent('plugin:testsys:spawn', { actor: 'goblin', hp: 7 }));
    const [locked] = await player.c.request(createIntent('plugin:testsys:heal', { actor: 'thorin' }));
    expect(locked).toMatchObject({ success: false, reason: 'conflict', detail: expect.stringContaining('#3') });
    const [other] = await player.c.request(createIntent('plugin:testsys:hit', { actor: 'goblin', amount: 2 }));
    expect(other!.success).toBe(true);
    await decide(gm.c, { sequence: 3, decision: 'deny', reason: 'no' });
    const [afterwards] = await player.c.request(createIntent('plugin:testsys:heal', { actor: 'thorin' }));
    expect(afterwards!.success).toBe(true);
  });

  it('[EL14] approval re-validates against the state at that moment', async () => {
    const running = await start();
    const gm = await member(running, 'a7', 'gm-ann');
    const player = await member(running, 'a7', 'bob');
    await gm.c.request(createIntent('plugin:testsys:spawn', { actor: 'thorin', hp: 3 }));
    const post = (path: string, body: object) =>
      fetch(`${running.url}/api/sessions/a7/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer('gm-ann') }, body: JSON.stringify(body) });
    const { id: standing } = (await (await post('checkpoint', { name: 'standing' })).json()) as { id: string };
    await player.c.request(createIntent('plugin:testsys:hit', { actor: 'thorin', amount: 9 }));
    const [pending] = await player.c.request(createIntent('plugin:testsys:finish', { actor: 'thorin' }));
    expect(pending).toMatchObject({ sequence: 3, status: 'awaiting-approval' });
    // Meanwhile the GM restores the checkpoint where Thorin stands at 3 HP.
    expect((await post(`checkpoints/${standing}/restore`, {})).status).toBe(200);
    const [refused] = await decide(gm.c, { sequence: 3, decision: 'approve' });
    expect(refused).toMatchObject({ success: false, reason: 'rule-violation', detail: expect.stringContaining('no longer valid') });
    expect((await state(running, 'a7')).actors.thorin).toMatchObject({ hp: 3, dead: false });
    // Still pending, so the GM can deny it.
    const [denied] = await decide(gm.c, { sequence: 3, decision: 'deny', reason: 'he got back up' });
    expect(denied!.success).toBe(true);
  });
});

describe('approval queue durability', () => {
  it('[EL13] the queue survives a server restart and a GM reconnect, and can be decided afterwards', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await startServer({ plugins: [testsys], dataDir: dir.path });
    const gm1 = await openIntentClient(first.wsUrl, 'd1', 'gm-ann');
    const p1 = await openIntentClient(first.wsUrl, 'd1', 'bob');
    await gm1.request(createIntent('plugin:testsys:spawn', { actor: 'thorin', hp: 1 }));
    await p1.request(createIntent('plugin:testsys:hit', { actor: 'thorin', amount: 1 }));
    const [ack] = await p1.request(createIntent('plugin:testsys:finish', { actor: 'thorin' }));
    expect(ack).toMatchObject({ status: 'awaiting-approval' });
    await gm1.close();
    await p1.close();
    await first.stop();

    const second = await start(dir.path);
    const gm = await member(second, 'd1', 'gm-ann');
    await waitFor(() => gm.requested.length === 1, 5_000, 'queue pushed to the reconnecting GM');
    expect(gm.requested[0]!.entry.event.sequence).toBe(3);
    const [ok] = await decide(gm.c, { sequence: 3, decision: 'approve' });
    expect(ok!.success).toBe(true);
    expect((await state(second, 'd1')).actors.thorin!.dead).toBe(true);
  });

  it('[EL13][EL14] a crash mid-way is finished on load: a queue record without its entry is dropped, a logged decision is settled', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const first = await startServer({ plugins: [testsys], dataDir: dir.path });
    const gm1 = await openIntentClient(first.wsUrl, 'd2', 'gm-ann');
    await gm1.request(createIntent('plugin:testsys:spawn', { actor: 'thorin', hp: 0 }));
    const finishIntent = createIntent('plugin:testsys:finish', { actor: 'thorin' });
    const [ack] = await gm1.request(finishIntent);
    expect(ack).toMatchObject({ sequence: 2, status: 'awaiting-approval' });
    await gm1.close();
    await first.stop();

    // Crash windows, recreated in the store: a stray queue record, and a decision logged but not settled.
    const { createLevelStore } = await import('@dungeon-lab/store-level');
    const store = await createLevelStore({ dataDir: dir.path });
    await store.putApproval('d2', { id: '0e6f2c7a-1b2c-4d5e-8f90-112233445566', data: (await store.listApprovals('d2'))[0]!.data });
    const resolution: LogEntry = {
      event: {
        id: resolutionIdFor(finishIntent.id),
        sequence: 3,
        timestamp: Date.now(),
        type: 'approval:resolve',
        payload: { sequence: 2, id: finishIntent.id, decision: 'approved', request: 'r', edited: false },
        userId: 'gm-ann',
        sessionId: 'd2',
        checksum: createIntent('x:y', { sequence: 2, id: finishIntent.id, decision: 'approved', request: 'r', edited: false }).checksum!,
      },
      status: 'applied',
      patch: [{ op: 'replace', path: '/actors/thorin/dead', value: true }],
    };
    await store.appendEvents('d2', [{ sequence: 3, id: resolution.event.id, data: encodeLogEntry(resolution) }]);
    await store.close();

    const second = await start(dir.path);
    const gm = await member(second, 'd2', 'gm-ann');
    expect((await state(second, 'd2')).actors.thorin!.dead).toBe(true);
    const log = await getJson<{ events: Array<{ sequence: number; status: string }> }>(`${second.url}/api/sessions/d2/events?from=2`);
    expect(log.body.events.map((e) => [e.sequence, e.status])).toEqual([
      [2, 'approved'],
      [3, 'applied'],
    ]);
    const queue = await getJson<{ approvals: unknown[] }>(`${second.url}/api/sessions/d2/approvals`, {}, 'gm-ann');
    expect(queue.body.approvals).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(gm.requested).toEqual([]);
  });
});
