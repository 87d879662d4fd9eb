/**
 * Two servers serving the same sessions, as two processes will ([MP1]..[MP3]
 * in docs/architecture.md): one LevelDB store, one in-process bus hub, one
 * lease table, real sockets on each. What one server's clients do reaches
 * the other's; each change is stored by the server that took it.
 */
import { type ApprovalRequest, createIntent } from '@dungeon-lab/events';
import { encodeMessage, encodeRoomEnvelope } from '@dungeon-lab/protocol';
import { scrapeMetrics } from '@dungeon-lab/testing/prometheus-text';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { closeOf, tryUpgrade } from './auth-fixture.ts';
import { allSaved, connectProvider, synced, waitFor } from './helpers.ts';
import { chat, getJson, openIntentClient, postJson } from './intent-client.ts';
import { type Process, type ProcessSetup, cleanups, startProcesses } from './processes.ts';
import { LossyBus } from './lossy-bus.ts';
import { openRaw } from './raw-client.ts';
import { bearer, ensureMember, testToken } from './test-identity.ts';

/** Waits until `p` has counted a lost session lease ([OM9]). */
async function lostLease(p: Process): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await scrapeMetrics(`${p.url}/metrics`)).value('dungeonlab_session_lease_changes_total', { change: 'lost' }) < 1) {
    if (Date.now() > deadline) throw new Error('the lease was never counted lost');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const lines = (doc: Y.Doc) => (doc.getArray('chat').toJSON() as Array<{ text: string }>).map((line) => line.text);

/** A promise that settles when `open` is called: a store call held on its way. */
function held(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/**
 * A holds session s1 with 1 s grants; B's clock runs 10 s ahead, so B finds
 * A's grant expired as soon as it asks. The GM logs two chat lines at A; the
 * second line's document write is held on its way to the store until `land`.
 */
async function secondLineOnItsWay(setup: Pick<ProcessSetup, 'bus'>) {
  const [a, b] = await startProcesses(2, { ...setup, lease: (i) => (i === 0 ? { ttlMs: 1_000 } : { ttlMs: 60_000, now: () => Date.now() + 10_000 }) });
  const gm = await openIntentClient(a!.wsUrl, 's1', 'gm');
  cleanups.push(() => gm.close());
  expect(await gm.request(chat('one'))).toEqual([expect.objectContaining({ success: true, sequence: 1 })]);
  const write = held();
  a!.appendsWait = write.wait;
  expect(await gm.request(chat('two'))).toEqual([expect.objectContaining({ success: true, sequence: 2 })]);
  return { a: a!, b: b!, land: write.open };
}

function provider(p: Process, room: string, user: string) {
  const c = connectProvider(p.wsUrl, room, new Y.Doc(), { user });
  cleanups.push(() => c.destroy());
  return c;
}

describe('two processes', () => {
  it('[MP1][OR2] an edit on one process reaches the sockets of the other at once, and is stored once, by the process that took it', async () => {
    const [a, b] = await startProcesses(2);
    const room = 'open/two-processes';
    const onA = provider(a!, room, 'alice');
    const onB = provider(b!, room, 'bob');
    await Promise.all([synced(onA), synced(onB)]);
    const [rowsA, rowsB] = [a!.appended(room), b!.appended(room)];

    onA.doc.getMap('scene').set('a', 1);
    await waitFor(() => onB.doc.getMap('scene').get('a') === 1, 5_000, 'A\'s edit at B');
    onB.doc.getArray('chat').push(['from b']);
    await waitFor(() => onA.doc.getArray('chat').length === 1, 5_000, 'B\'s edit at A');
    await waitFor(() => a!.appended(room) > rowsA && b!.appended(room) > rowsB, 5_000, 'both stored');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([a!.appended(room) - rowsA, b!.appended(room) - rowsB]).toEqual([1, 1]);

    // Whatever process a late joiner comes to, it gets both.
    const late = provider(b!, room, 'carol');
    await synced(late);
    expect(late.doc.getMap('scene').get('a')).toBe(1);
    expect(late.doc.getArray('chat').toJSON()).toEqual(['from b']);
  });

  it('[P6][MP1] a socket joining one process is told what another process stored: its join `saved` covers the peer\'s durable writes', async () => {
    const [a, b] = await startProcesses(2);
    const room = 'open/saved-elsewhere';
    // The room is loaded on B before A stores anything, so B's own writes and load know nothing of A's.
    const keeper = provider(b!, room, 'keeper');
    const onA = connectProvider(a!.wsUrl, room, new Y.Doc(), { user: 'alice', sidecar: true });
    cleanups.push(() => onA.destroy());
    await Promise.all([synced(keeper), synced(onA)]);
    onA.doc.getMap('scene').set('a', 1);
    await waitFor(() => allSaved(onA), 5_000, 'stored by A');
    await waitFor(() => keeper.doc.getMap('scene').get('a') === 1, 5_000, 'A\'s edit at B');

    // Alice's client, having missed A's `saved` (a dropped socket), comes back through B with the same edit:
    // it changes nothing there, so only B's join `saved` can tell it the edit is durable.
    const again = new Y.Doc();
    Y.applyUpdate(again, Y.encodeStateAsUpdate(onA.doc));
    const onB = connectProvider(b!.wsUrl, room, again, { user: 'alice', sidecar: true });
    cleanups.push(() => onB.destroy());
    await synced(onB);
    await waitFor(() => allSaved(onB), 2_000, 'B\'s join `saved` covering what A stored');
    expect(onB.saved.get(onA.doc.clientID)).toBe(1);
  });

  it('[EL19][IN1][MP1] one process sequences a session: intents sent to the other are forwarded to it, every socket gets the log\'s notices and effects, and the other takes over once it is gone', async () => {
    const [a, b] = await startProcesses(2);
    // The table loads on A first, so A takes the session's lease.
    const gm = await openIntentClient(a!.wsUrl, 's1', 'gm');
    cleanups.push(() => gm.close());
    const player = await openIntentClient(b!.wsUrl, 's1', 'bob');
    cleanups.push(() => player.close());
    const viewer = provider(b!, 'sessions/s1/table', 'bob');
    await synced(viewer);

    const [ack] = await gm.request(chat('one'));
    expect(ack).toMatchObject({ success: true, sequence: 1 });
    await waitFor(() => player.applied.length === 1, 5_000, 'event-applied on B');
    expect(player.applied[0]!.event).toMatchObject({ sequence: 1, userId: 'gm' });
    await waitFor(() => viewer.doc.getArray('chat').length === 1, 5_000, 'effects on B');

    // B does not hold the lease: a socket's intent and an HTTP batch go to A, in one order.
    const onB = chat('on b, socket');
    const [fromSocket] = await player.request(onB);
    expect(fromSocket).toMatchObject({ success: true, sequence: 2 });
    const overHttp = await postJson<Array<{ success: boolean; sequence?: number }>>(`${b!.url}/api/sessions/s1/events`, [chat('on b, http 1'), chat('on b, http 2')], 'bob');
    expect(overHttp.status).toBe(200);
    expect(overHttp.body).toEqual([expect.objectContaining({ success: true, sequence: 3 }), expect.objectContaining({ success: true, sequence: 4 })]);
    await waitFor(() => gm.applied.length === 3, 5_000, 'the forwarded entries at A\'s socket');
    // The sender got its ack, not its own entry again ([EL2]): its socket is known across processes.
    await waitFor(() => player.applied.length === 3, 5_000, 'the HTTP entries at B\'s socket');
    expect(player.applied.map((e) => e.event.sequence)).toEqual([1, 3, 4]);
    // A resend through B is answered from the log, not applied twice ([EL3]).
    const resent = await postJson<Array<{ success: boolean; sequence?: number }>>(`${b!.url}/api/sessions/s1/events`, [onB], 'bob');
    expect(resent.body).toEqual([expect.objectContaining({ success: true, sequence: 2 })]);

    await a!.server.close();
    const taken = await postJson<Array<{ success: boolean; sequence?: number }>>(`${b!.url}/api/sessions/s1/events`, [chat('two')], 'bob');
    expect(taken.status).toBe(200);
    expect(taken.body).toEqual([expect.objectContaining({ success: true, sequence: 5 })]);
    const state = await getJson<{ version: number; state: { chat: Array<{ text: string }> } }>(`${b!.url}/api/sessions/s1/state`, {}, 'bob');
    expect(state.body.version).toBe(5);
    expect(state.body.state.chat.map((c) => c.text)).toEqual(['one', 'on b, socket', 'on b, http 1', 'on b, http 2', 'two']);
  });

  it('[EL19][EL8][IN1] the GM\'s approval queue and checkpoints are served by the holder whichever process is asked', async () => {
    const [a, b] = await startProcesses(2);
    const gm = await openIntentClient(a!.wsUrl, 's3', 'gm');
    cleanups.push(() => gm.close());
    await gm.request(chat('before'));

    // B does not hold the lease; what needs the sequencer runs on A.
    expect(await getJson(`${b!.url}/api/sessions/s3/approvals`, {}, 'gm')).toEqual({ status: 200, body: { approvals: [] } });
    await gm.request(createIntent('plugin:testsys:spawn', { actor: 'thorin', hp: 0 }));
    const [waiting] = await gm.request(createIntent('plugin:testsys:finish', { actor: 'thorin' }));
    expect(waiting).toMatchObject({ sequence: 3, status: 'awaiting-approval' });
    const approvals = await getJson<{ approvals: ApprovalRequest[] }>(`${b!.url}/api/sessions/s3/approvals`, {}, 'gm');
    expect(approvals.body.approvals.map((p) => [p.entry.event.sequence, p.summary])).toEqual([[3, 'a character dies']]);
    // A GM's socket joining B is sent the open queue, read on A ([EL14]).
    const secondGm = await openIntentClient(b!.wsUrl, 's3', 'gm');
    cleanups.push(() => secondGm.close());
    await waitFor(() => secondGm.requested.length === 1, 5_000, 'the open queue at a GM joining B');
    expect(secondGm.requested[0]!.entry.event.sequence).toBe(3);
    const created = await postJson<{ id: string; version: number }>(`${b!.url}/api/sessions/s3/checkpoint`, { name: 'Before the fight' }, 'gm');
    expect(created.status).toBe(201);
    // The request waiting for the GM is logged, not applied: the document stands at the spawn.
    expect(created.body.version).toBe(2);
    await gm.request(chat('after'));
    const restored = await postJson<{ sequence: number; status: string }>(`${b!.url}/api/sessions/s3/checkpoints/${created.body.id}/restore`, {}, 'gm');
    expect(restored).toEqual({ status: 200, body: { restored: created.body.id, sequence: 5, status: 'applied' } });
    const state = await getJson<{ version: number; state: { chat: Array<{ text: string }> } }>(`${a!.url}/api/sessions/s3/state`, {}, 'gm');
    expect(state.body.state.chat.map((c) => c.text)).toEqual(['before']);
    const missing = await postJson<{ error: string }>(`${b!.url}/api/sessions/s3/checkpoints/no-such-checkpoint/restore`, {}, 'gm');
    expect(missing.status).toBe(404);
  });

  it('[MP2][A15] a member removed through one process loses their sockets on the other at once, and that process\'s role cache follows', async () => {
    const [a, b] = await startProcesses(2);
    await ensureMember(a!.url, 's2', 'gm');
    await ensureMember(a!.url, 's2', 'bob');
    const opened = await tryUpgrade(b!.wsUrl, 'sessions/s2/table', { token: testToken('bob') });
    if (!opened.opened) throw new Error(`refused with ${opened.status}`);
    cleanups.push(() => opened.ws.terminate());
    expect((await getJson(`${b!.url}/api/sessions/s2/state`, {}, 'bob')).status).toBe(200);

    const closed = closeOf(opened.ws);
    const removed = await fetch(`${a!.url}/api/sessions/s2/members/bob`, { method: 'DELETE', headers: bearer('gm') });
    expect(removed.status).toBe(200);
    expect(await closed).toEqual({ code: 4410, reason: 'removed from the session' });
    const after = await fetch(`${b!.url}/api/sessions/s2/state`, { headers: bearer('bob') });
    expect(after.status).toBe(403);
    expect(opened.ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('[EL22][EL23][EL9] the server\'s changes are shown once stored, and a holder that loses the lease with one unstored drops its copy: a chat line stands once, wherever clients and the store come back', async () => {
    // A's grants last 1 s; B's clock runs 10 s ahead, so B finds A's grant expired as soon as it asks.
    const [a, b] = await startProcesses(2, { lease: (i) => (i === 0 ? { ttlMs: 1_000 } : { ttlMs: 60_000, now: () => Date.now() + 10_000 }) });
    const gm = await openIntentClient(a!.wsUrl, 's1', 'gm');
    cleanups.push(() => gm.close());
    const viewer = provider(a!, 'sessions/s1/table', 'gm');
    await synced(viewer);
    expect(await gm.request(chat('one'))).toEqual([expect.objectContaining({ success: true, sequence: 1 })]);
    await waitFor(() => lines(viewer.doc).length === 1, 5_000, 'the first line at the viewer');

    // A's document writes fail from now on: the second line is logged and written into A's copy, never stored.
    a!.appendsFail = true;
    expect(await gm.request(chat('two'))).toEqual([expect.objectContaining({ success: true, sequence: 2 })]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Before: the viewer had it at once, and brought it back beside B's replay below — the line twice.
    expect(lines(viewer.doc)).toEqual(['one']);
    // A joiner is not answered while it is unstored: the answer would hold it.
    const joiner = provider(a!, 'sessions/s1/table', 'gm');
    // Nor a socket that joins the table by envelope ([P14]).
    const enveloped = await openRaw(a!.wsUrl, 'open/lobby', { sidecar: true, user: 'gm' });
    cleanups.push(() => enveloped.ws.close());
    enveloped.send(encodeRoomEnvelope('sessions/s1/table', encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) })));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(joiner.synced).toBe(false);
    const tableMessages = () => enveloped.messages().flatMap((m) => (m.type === 'room' && m.room === 'sessions/s1/table' ? [m.message] : []));
    expect(tableMessages().filter((m) => m.type === 'sync-step2' || m.type === 'sync-update')).toEqual([]);

    // The viewer's client goes to B with what it holds; B takes the session over and replays the second entry ([EL9]).
    const held = new Y.Doc();
    Y.applyUpdate(held, Y.encodeStateAsUpdate(viewer.doc));
    viewer.destroy();
    const moved = connectProvider(b!.wsUrl, 'sessions/s1/table', held, { user: 'gm' });
    cleanups.push(() => moved.destroy());
    await synced(moved);
    await waitFor(() => lines(moved.doc).length >= 2, 5_000, 'the replayed line at B');
    const third = await postJson<Array<{ success: boolean; sequence?: number }>>(`${b!.url}/api/sessions/s1/events`, [chat('three')], 'gm');
    expect(third.body).toEqual([expect.objectContaining({ success: true, sequence: 3 })]);
    await waitFor(() => lines(moved.doc).length >= 3, 5_000, 'the third line at B');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines(moved.doc)).toEqual(['one', 'two', 'three']);
    const state = await getJson<{ state: { chat: Array<{ text: string }> } }>(`${b!.url}/api/sessions/s1/state`, {}, 'gm');
    expect(state.body.state.chat.map((c) => c.text)).toEqual(['one', 'two', 'three']);

    // A learns it lost the lease and drops its copy ([EL23]): the joiner, sent to reconnect, gets one loaded afresh.
    await lostLease(a!);
    await waitFor(() => joiner.synced && lines(joiner.doc).length === 3, 5_000, 'the joiner on a fresh copy at A');
    // The enveloped member is told the room is unavailable — a refusal it retries, not one for good — and never got the line.
    await waitFor(() => tableMessages().some((m) => m.type === 'error'), 5_000, 'the enveloped member told');
    expect(tableMessages().filter((m) => m.type === 'error')).toEqual([expect.objectContaining({ reason: 'room-unavailable' })]);
    expect(tableMessages().filter((m) => m.type === 'sync-step2' || m.type === 'sync-update')).toEqual([]);
    // A's store back, A writes nothing of its copy of the second line.
    a!.appendsFail = false;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Before: A stored its copy of the second line once its store came back, and published it: the line twice everywhere.
    expect(lines(joiner.doc)).toEqual(['one', 'two', 'three']);
    expect(lines(moved.doc)).toEqual(['one', 'two', 'three']);
    const stored = new Y.Doc();
    for (const row of (await a!.store.loadDoc('sessions/s1/table')).rows) Y.applyUpdate(stored, row.data);
    expect(lines(stored)).toEqual(['one', 'two', 'three']);
  });

  it('[EL24][S30] a write the old holder had already sent when the next one claimed the session is refused by the store: the line stands once', async () => {
    const { a, b, land } = await secondLineOnItsWay({});

    // B takes the session over, claims it in the store ([S30]) and replays the second entry ([EL9]).
    const viewer = provider(b, 'sessions/s1/table', 'gm');
    const third = await postJson<Array<{ success: boolean; sequence?: number }>>(`${b.url}/api/sessions/s1/events`, [chat('three')], 'gm');
    expect(third.body).toEqual([expect.objectContaining({ success: true, sequence: 3 })]);
    await synced(viewer);
    await waitFor(() => lines(viewer.doc).length >= 3, 5_000, 'the lines at B');

    // A counts the lease lost and drops its copy ([EL23]); the write it had sent goes on to the store only now.
    await lostLease(a);
    a.appendsWait = null;
    land();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Without the fence the write lands late beside B's replay: 'two' twice in the store, and in every copy loaded from it.
    const stored = new Y.Doc();
    for (const row of (await a.store.loadDoc('sessions/s1/table')).rows) Y.applyUpdate(stored, row.data);
    expect(lines(stored)).toEqual(['one', 'two', 'three']);
    expect(lines(viewer.doc)).toEqual(['one', 'two', 'three']);
    const fresh = provider(a, 'sessions/s1/table', 'gm');
    await synced(fresh);
    expect(lines(fresh.doc)).toEqual(['one', 'two', 'three']);
  });
  it('[EL24][EL9] a copy read before the session was claimed takes in what the last holder stored since, before it is recovered: the line stands once', async () => {
    let lossy: LossyBus | null = null;
    const { a, b, land } = await secondLineOnItsWay({ bus: (bus, i) => (i === 1 ? (lossy = new LossyBus(bus, {})) : bus) });

    // B loads the table for a joiner — its copy lacks the second line's effects — and takes the lease; its claim is slow.
    const claimHeld = held();
    b.claimsWait = claimHeld.wait;
    const claim = claimHeld.open;
    const viewer = provider(b, 'sessions/s1/table', 'gm');
    await waitFor(() => b.claimsAsked > 0, 5_000, 'B asking to claim the session, its copy read');
    // A's write lands before the claim, as A still holds the latest claim; what A publishes of it once stored ([EL22]) B never hears.
    lossy!.dropNext('doc-update');
    a.appendsWait = null;
    land();
    await waitFor(() => lossy!.dropped.get('doc-update') === 1, 5_000, 'A publishing the stored line');
    b.claimsWait = null;
    claim();
    await synced(viewer);
    const third = await postJson<Array<{ success: boolean; sequence?: number }>>(`${b.url}/api/sessions/s1/events`, [chat('three')], 'gm');
    expect(third.body).toEqual([expect.objectContaining({ success: true, sequence: 3 })]);
    await waitFor(() => lines(viewer.doc).length >= 3, 5_000, 'the lines at B');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Recovered from its read alone, B's copy would replay the second entry beside A's stored effects: 'two' twice.
    expect(lines(viewer.doc)).toEqual(['one', 'two', 'three']);
    const stored = new Y.Doc();
    for (const row of (await a.store.loadDoc('sessions/s1/table')).rows) Y.applyUpdate(stored, row.data);
    expect(lines(stored)).toEqual(['one', 'two', 'three']);
  });
});
