/**
 * The sequencing lease ([EL19] in docs/event-log.md): a real server whose
 * in-process lease shares its table with a second lease standing for
 * another process, whose clock runs ahead so that it finds the server's
 * grant expired and takes it over.
 */
import { randomUUID } from 'node:crypto';
import { type LogEntry, payloadChecksum } from '@dungeon-lab/events';
import { scrapeMetrics } from '@dungeon-lab/testing/prometheus-text';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeLogEntry } from '../src/event-log/log-codec.ts';
import { InProcessLease, LeaseTable } from '../src/lease/in-process-lease.ts';
import { connectProvider, startServer, synced, waitFor } from './helpers.ts';
import { chat, getJson, openIntentClient, postJson } from './intent-client.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Acks = Array<{ success: boolean; sequence?: number }>;
type State = { version: number; state: { chat: Array<{ text: string }> } };

/** What another holder logged and then crashed before writing into the document. */
function loggedElsewhere(sequence: number, text: string): LogEntry {
  const payload = { text };
  return {
    event: { id: randomUUID(), sequence, timestamp: Date.now(), type: 'chat:message', payload, userId: 'gm', sessionId: 's1', checksum: payloadChecksum(payload) },
    status: 'applied',
    patch: [{ op: 'add', path: '/chat/-', value: { id: 'elsewhere', userId: 'gm', text, timestamp: Date.now(), sequence } }],
  };
}

describe('sequencing lease', () => {
  it('[EL19][OM6][OM9] a process sequences a session only while it holds the lease: lost, it refuses intents; taken again, it starts from the store and recovers the loaded table; /metrics counts the loss and the replay', async () => {
    const leases = new LeaseTable();
    const running = await startServer({ lease: new InProcessLease({ table: leases, ttlMs: 1_000 }) });
    cleanups.push(() => running.dispose());
    const gm = await openIntentClient(running.wsUrl, 's1', 'gm');
    cleanups.push(() => gm.close());
    const viewer = connectProvider(running.wsUrl, 'sessions/s1/table', undefined, { user: 'gm' });
    cleanups.push(() => viewer.destroy());
    await synced(viewer);
    const events = `${running.url}/api/sessions/s1/events`;

    expect(await gm.request(chat('one'))).toEqual([expect.objectContaining({ success: true, sequence: 1 })]);
    // Renewed every third of its ttl, the grant outlives it.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await postJson<Acks>(events, [chat('still held')], 'gm')).body).toEqual([expect.objectContaining({ success: true, sequence: 2 })]);

    // Another process, its clock 10 s ahead, finds the grant expired and takes it.
    const other = new InProcessLease({ table: leases, ttlMs: 60_000, now: () => Date.now() + 10_000 });
    cleanups.push(() => other.close());
    const taken = await other.acquire('s1');
    expect(taken).not.toBeNull();
    expect((await postJson(events, [chat('refused')], 'gm')).status).toBe(503);

    // It logs an entry and stops before writing it into the document; then lets the lease go.
    await running.store.appendEvents('s1', [{ sequence: 3, id: randomUUID(), data: encodeLogEntry(loggedElsewhere(3, 'from the other holder')) }]);
    await other.release(taken!);

    const again = await postJson<Acks>(events, [chat('four')], 'gm');
    expect(again.status).toBe(200);
    expect(again.body).toEqual([expect.objectContaining({ success: true, sequence: 4 })]);
    const { body } = await getJson<State>(`${running.url}/api/sessions/s1/state`, {}, 'gm');
    expect(body.version).toBe(4);
    expect(body.state.chat.map((c) => c.text)).toEqual(['one', 'still held', 'from the other holder', 'four']);
    await waitFor(() => viewer.doc.getArray('chat').length === 4, 5_000, 'the recovered entry at the socket');

    const scraped = await scrapeMetrics(`${running.url}/metrics`);
    const changes = (change: string) => scraped.value('dungeonlab_session_lease_changes_total', { change });
    expect([changes('acquired'), changes('lost'), changes('released'), changes('takeover')]).toEqual([2, 1, 0, 0]);
    expect(scraped.value('dungeonlab_session_leases_held')).toBe(1);
    // The table lacked the other holder's entry: one replay.
    expect(scraped.value('dungeonlab_drift_incidents_total', { kind: 'log-replay' })).toBe(1);
    // The session's series went with the lost lease and started again with the new one: only "four" since.
    expect(scraped.value('dungeonlab_intents_total', { session: 's1', outcome: 'accepted' })).toBe(1);
  });
});
