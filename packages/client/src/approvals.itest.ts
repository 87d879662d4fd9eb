import type { Ack, ApprovalRequest, JsonObject } from '@dungeon-lab/events';
import { dnd5ePlugin } from '@dungeon-lab/plugin-dnd5e';
import { afterEach, describe, expect, it } from 'vitest';
import { ON_THE_BRINK, actorOf, seedActors, thorin } from './dnd5e.fixture.ts';
import type { ApprovalDecision } from './event-queue.ts';
import { memoryPersistence } from './memory-persistence.ts';
import { createTestSession, startTestServer, testClient, waitFor, waitForValue, type TestServer, type TestSession } from './server-harness.fixture.ts';
import type { SessionClient, SessionClientOptions } from './session-client.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Table {
  readonly s: TestServer;
  readonly sess: TestSession;
  readonly gm: SessionClient;
  readonly player: SessionClient;
}

function client(t: Pick<Table, 's' | 'sess'>, name: string, extra: Partial<SessionClientOptions> = {}): SessionClient {
  const c = testClient(t.s.url, { sessionId: t.sess.id, token: t.sess.users[name]!.token, persistence: memoryPersistence(), plugins: [dnd5ePlugin], ...extra });
  cleanups.push(() => c.destroy());
  return c;
}

/** A dnd5e session: the GM, and mira, a player. */
async function table(): Promise<Table> {
  const s = await startTestServer({ plugins: [dnd5ePlugin], eventLog: { rateLimit: { burst: 10_000, perSecond: 10_000 } } });
  cleanups.push(() => s.dispose());
  const sess = await createTestSession(s.url, ['gm', 'mira']);
  const gm = client({ s, sess }, 'gm');
  const player = client({ s, sess }, 'mira');
  await Promise.all([gm.whenSynced(), player.whenSynced()]);
  await waitForValue(gm.identity, (i) => i.role === 'gm', 'GM role');
  await waitForValue(player.identity, (i) => i.role === 'player', 'player role');
  return { s, sess, gm, player };
}

let actors = 0;

/**
 * A character of the player's at 0 HP with two failed death saves rolls
 * death saves until one kills it — which waits for the GM. The server rolls
 * (a d20 ≥ 10 is a success), and only intents may change HP and death saves
 * (write rule W5), so after a save that does not kill the GM puts a fresh
 * character on the brink instead.
 */
async function rollUntilDeath({ gm, player, sess }: Table): Promise<{ id: string; ack: Ack; actorId: string }> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const actorId = `thorin-${++actors}`;
    seedActors(gm, { [actorId]: thorin(sess.users.mira!.userId, ON_THE_BRINK) });
    await waitFor(() => actorOf(player, actorId) !== undefined, `${actorId} reaches the player`);
    const { id, result } = player.act('dnd5e', { kind: 'deathSave', data: { actorId } });
    const ack = await result;
    if (ack.success && ack.status === 'awaiting-approval') return { id, ack, actorId };
    expect(ack.success).toBe(true);
  }
  throw new Error('sixty death saves and nobody died');
}

function decisions(c: SessionClient): ApprovalDecision[] {
  const seen: ApprovalDecision[] = [];
  c.intents.on('decided', ({ intent: _intent, ...d }) => seen.push(d));
  return seen;
}

describe('GM approvals on the client', () => {
  it('[EQ14][EQ15][EL13][EL14] a death waits for the GM: the player sees it awaiting, the GM gets it live and on connect, denies with a reason, then approves', async () => {
    const t = await table();
    const { gm, player } = t;
    const playerDecisions = decisions(player);
    const requested: ApprovalRequest[] = [];
    gm.intents.on('approval-requested', (e) => requested.push(...e.approvals));

    const first = await rollUntilDeath(t);
    const sequence = (first.ack as { sequence: number }).sequence;
    // Requester: sequenced, waiting for the GM — shown as such, and not predicted.
    expect(player.pendingIntents.get().map((p) => [p.intent.id, p.state, p.approvalSequence])).toEqual([[first.id, 'awaiting-approval', sequence]]);
    expect(actorOf(player, first.actorId)).toMatchObject({ dead: false, deathSaves: { failures: 2 } });
    expect(player.log.get().find((e) => e.sequence === sequence)).toMatchObject({ id: first.id, status: 'awaiting-approval', source: 'ack' });

    // GM: the request arrives live, with the summary and the state now.
    await waitForValue(gm.approvals, (list) => list.length === 1, 'request at the GM');
    const [request] = gm.approvals.get();
    expect(request!.entry.event).toMatchObject({ sequence, id: first.id, type: 'plugin:dnd5e:death-save', userId: t.sess.users.mira!.userId });
    expect(request!.summary).toMatch(/Thorin .*dies/);
    expect(request!.current[`/actors/${first.actorId}`]).toMatchObject({ dead: false });
    expect(requested.map((r) => r.entry.event.sequence)).toEqual([sequence]);

    // A GM who connects now gets the open queue on the socket (no HTTP at all for this one).
    const late = client(t, 'gm', { fetch: false });
    await waitForValue(late.approvals, (list) => list.length === 1, 'open queue on connect');
    expect(late.approvals.get()[0]!.entry.event.sequence).toBe(sequence);
    // Players never see the queue.
    await new Promise((r) => setTimeout(r, 100));
    expect(player.approvals.get()).toEqual([]);

    const denial = gm.resolveApproval(sequence, 'deny', { reason: 'the cleric is right there' });
    expect(gm.pendingIntents.get().find((p) => p.intent.id === denial.id)?.intent).toMatchObject({
      type: 'approval:resolve',
      payload: { sequence, decision: 'deny', reason: 'the cleric is right there' },
    });
    expect(await denial.result).toMatchObject({ success: true });
    await waitFor(() => playerDecisions.length === 1, 'denial at the player');
    expect(playerDecisions[0]).toMatchObject({ id: first.id, sequence, decision: 'denied', reason: 'the cleric is right there' });
    expect(player.pendingIntents.get()).toEqual([]);
    expect(player.log.get().find((e) => e.sequence === sequence)).toMatchObject({ status: 'denied', reason: 'the cleric is right there' });
    await waitForValue(gm.approvals, (list) => list.length === 0, 'queue emptied at the GM');
    await waitForValue(late.approvals, (list) => list.length === 0, 'queue emptied at the late GM');
    expect(actorOf(player, first.actorId)).toMatchObject({ dead: false });

    // Again; this time the GM lets it happen.
    const second = await rollUntilDeath(t);
    const secondSequence = (second.ack as { sequence: number }).sequence;
    await waitForValue(gm.approvals, (list) => list.length === 1, 'second request');
    expect((await gm.resolveApproval(secondSequence, 'approve').result).success).toBe(true);
    await waitFor(() => playerDecisions.length === 2, 'approval at the player');
    expect(playerDecisions[1]).toMatchObject({ id: second.id, sequence: secondSequence, decision: 'approved', resolvedBy: t.sess.gm.userId });
    await waitFor(() => (actorOf(player, second.actorId) as JsonObject).dead === true, 'dead at the player');
    expect(player.pendingIntents.get()).toEqual([]);
  });

  it('[EQ15][EL14] a requester offline while the GM decides learns the decision on reconnect', async () => {
    const t = await table();
    const { gm, player } = t;
    const playerDecisions = decisions(player);
    const { id, ack } = await rollUntilDeath(t);
    const sequence = (ack as { sequence: number }).sequence;
    player.disconnect();
    await waitForValue(gm.approvals, (list) => list.length === 1, 'request at the GM');
    expect((await gm.resolveApproval(sequence, 'deny', { reason: 'not today' }).result).success).toBe(true);
    expect(player.pendingIntents.get().map((p) => p.state)).toEqual(['awaiting-approval']);
    player.connect();
    await waitFor(() => playerDecisions.length >= 1, 'decision after reconnect');
    expect(playerDecisions).toEqual([expect.objectContaining({ id, sequence, decision: 'denied', reason: 'not today' })]);
    expect(player.pendingIntents.get()).toEqual([]);
  });

  it('[EQ14] a GM who reconnects after another GM decided drops the request (the server sends nothing for an empty queue)', async () => {
    const t = await table();
    const { gm } = t;
    const other = client(t, 'gm');
    const { ack } = await rollUntilDeath(t);
    const sequence = (ack as { sequence: number }).sequence;
    await waitForValue(gm.approvals, (list) => list.length === 1, 'request at the GM');
    await waitForValue(other.approvals, (list) => list.length === 1, 'request at the other GM');
    gm.disconnect();
    expect((await other.resolveApproval(sequence, 'approve').result).success).toBe(true);
    expect(gm.approvals.get()).toHaveLength(1);
    gm.connect();
    await waitForValue(gm.approvals, (list) => list.length === 0, 'reconciled on reconnect');
  });
});
