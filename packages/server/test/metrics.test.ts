/**
 * `GET /metrics` of a real server, scraped while real sockets sync, send
 * intents and break rules ([OM1]..[OM11] in docs/operations.md).
 */
import { applyPatchToDoc, createIntent, TABLE_DOC_SCHEMA } from '@dungeon-lab/events';
import { encodeMessage } from '@dungeon-lab/protocol';
import { parsePrometheusText, type Scrape, scrapeMetrics } from '@dungeon-lab/testing/prometheus-text';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { z } from 'zod';
import { Registry } from '../src/index.ts';
import { allSaved, connectProvider, type RunningServer, startServer, synced, waitFor } from './helpers.ts';
import { chat, openIntentClient } from './intent-client.ts';
import { openRaw } from './raw-client.ts';
import { openTablePeer } from './table-peer.ts';

const spawn = {
  type: 'test:spawn',
  payload: z.object({ actor: z.string().min(1), hp: z.number().int().positive() }),
  validate: () => ({ ok: true }) as const,
  reduce: (e: { payload: { actor: string; hp: number } }) => [{ op: 'add' as const, path: `/actors/${e.payload.actor}`, value: { hp: e.payload.hp } }],
};
const hit = {
  type: 'test:hit',
  payload: z.object({ actor: z.string().min(1), amount: z.number().int().positive() }),
  validate: () => ({ ok: true }) as const,
  reduce: (e: { payload: { actor: string; amount: number } }) => [{ op: 'replace' as const, path: `/actors/${e.payload.actor}/hp`, value: 1 }],
};

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const running = await startServer({ intents: [spawn, hit], ...options });
  cleanups.push(() => running.dispose());
  return running;
}

const scrape = (running: RunningServer): Promise<Scrape> => scrapeMetrics(`${running.url}/metrics`);

/** Polls `/metrics` until `check` passes; returns the passing scrape. */
async function eventually(running: RunningServer, what: string, check: (s: Scrape) => boolean): Promise<Scrape> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await scrape(running);
    if (check(s)) return s;
    if (Date.now() > deadline) {
      const dump = s.samples.filter((x) => x.name.startsWith('dungeonlab_')).map((x) => `${x.name}${JSON.stringify(x.labels)} ${x.value}`);
      throw new Error(`timed out waiting for ${what}:\n${dump.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GET /metrics', () => {
  it('[OM1] answers the Prometheus text format with the registry content type; the JSON summary moved to /metrics.json', async () => {
    const running = await server();
    const res = await fetch(`${running.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const parsed = parsePrometheusText(await res.text());
    expect(parsed.types.get('dungeonlab_sync_latency_seconds')).toBe('histogram');
    expect(parsed.types.get('dungeonlab_messages_delivered_total')).toBe('counter');
    expect(parsed.types.get('dungeonlab_connections')).toBe('gauge');
    // The process's own metrics: memory and event-loop delay.
    expect(parsed.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(parsed.types.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    // The store answers its probe.
    expect(parsed.value('dungeonlab_backend_up', { backend: 'store' })).toBe(1);
    const summary = (await (await fetch(`${running.url}/metrics.json`)).json()) as { rooms: number; connections: number };
    expect(summary).toMatchObject({ rooms: 0, connections: 0 });
  });

  it('[OM3][OM4] counts frames offered and written, and times client updates to their fan-out and their saved', async () => {
    const running = await server();
    const writer = connectProvider(running.wsUrl, 'metrics-sync', new Y.Doc(), { sidecar: true });
    const reader = connectProvider(running.wsUrl, 'metrics-sync', new Y.Doc());
    cleanups.push(() => writer.destroy(), () => reader.destroy());
    await synced(writer);
    await synced(reader);
    const before = await scrape(running);
    expect(before.value('dungeonlab_connections')).toBe(2);
    expect(before.value('dungeonlab_rooms_loaded')).toBe(1);
    const edits = 5;
    for (let i = 0; i < edits; i++) {
      writer.doc.getText('t').insert(0, `edit ${i};`);
      await waitFor(() => reader.doc.getText('t').toString() === writer.doc.getText('t').toString(), 5_000, `edit ${i} at the reader`);
      await waitFor(() => allSaved(writer), 5_000, `edit ${i} saved`);
    }
    const count = (s: Scrape, stage: string) => s.value('dungeonlab_sync_latency_seconds_count', { stage });
    const after = await eventually(running, 'five fan-outs and five saved', (s) => count(s, 'fanout') === edits && count(s, 'saved') === edits);
    for (const stage of ['fanout', 'saved']) {
      // Buckets start at 100 µs and every observation is within the largest.
      expect(after.all('dungeonlab_sync_latency_seconds_bucket', { stage }).map((b) => b.labels.le)[0]).toBe('0.0001');
      expect(after.value('dungeonlab_sync_latency_seconds_bucket', { stage, le: '10' })).toBe(edits);
      expect(after.value('dungeonlab_sync_latency_seconds_sum', { stage })).toBeGreaterThan(0);
    }
    // Each edit went to both sockets (the writer hears its own back) and a saved to the writer: at least three frames an edit.
    const attempted = after.value('dungeonlab_messages_attempted_total');
    const delivered = after.value('dungeonlab_messages_delivered_total');
    expect(attempted - before.value('dungeonlab_messages_attempted_total')).toBeGreaterThanOrEqual(3 * edits);
    expect(delivered).toBe(attempted);
    expect(after.value('dungeonlab_messages_dropped_total', { reason: 'closed' })).toBe(0);
    expect(after.value('dungeonlab_doc_update_stored_bytes_total')).toBeGreaterThan(0);
  });

  it('[OM5][OM6] a returning client is timed to its sync; a checksum client asking to sync again is a drift incident, a stock one is not', async () => {
    const running = await server();
    const held = new Y.Doc();
    held.getText('t').insert(0, 'from before');
    const emptyStepOne = encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) });

    // A stock socket (no sidecar) asks twice; a fresh sidecar socket once: neither is drift, and neither came back holding anything.
    const stock = await openRaw(running.wsUrl, 'metrics-drift');
    const fresh = await openRaw(running.wsUrl, 'metrics-drift', { sidecar: true });
    cleanups.push(() => stock.ws.close(), () => fresh.ws.close());
    stock.send(emptyStepOne);
    stock.send(emptyStepOne);
    fresh.send(emptyStepOne);
    await waitFor(() => stock.messages().filter((m) => m.type === 'sync-step2').length === 2, 5_000, 'two answers to the stock socket');
    await waitFor(() => fresh.messages().some((m) => m.type === 'sync-step2'), 5_000, 'the sidecar socket answered');
    let s = await scrape(running);
    expect(s.value('dungeonlab_drift_incidents_total', { kind: 'client-resync' })).toBe(0);
    expect(s.value('dungeonlab_reconnect_recovery_seconds_count')).toBe(0);

    // The sidecar socket's second step 1 is what its drift detector sends.
    fresh.send(emptyStepOne);
    s = await eventually(running, 'a client resync', (x) => x.value('dungeonlab_drift_incidents_total', { kind: 'client-resync' }) === 1);
    expect(s.value('dungeonlab_drift_incidents_total', { kind: 'log-replay' })).toBe(0);

    // A client that comes back holding part of the document.
    const back = await openRaw(running.wsUrl, 'metrics-drift');
    cleanups.push(() => back.ws.close());
    back.send(encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(held) }));
    s = await eventually(running, 'a recovery timed', (x) => x.value('dungeonlab_reconnect_recovery_seconds_count') === 1);
    expect(s.value('dungeonlab_reconnect_recovery_seconds_bucket', { le: '10' })).toBe(1);
  });

  it('[OM7][OM8][OM9][OM10] intents by session and outcome (conflicts apart), event-log bytes, the lease, rate-limit and write-rule refusals', async () => {
    // Five intents a user, then one a thousand seconds.
    const running = await server({ eventLog: { rateLimit: { burst: 5, perSecond: 0.001 } } });
    const session = 'metrics-intents';
    const gm = await openIntentClient(running.wsUrl, session, 'gm-metrics');
    cleanups.push(() => gm.close());
    const [spawned] = await gm.request(createIntent('test:spawn', { actor: 'ogre', hp: 30 }));
    expect(spawned!.success).toBe(true);
    const [first] = await gm.request(createIntent('test:hit', { actor: 'ogre', amount: 4 }, { expected: { entity: '/actors/ogre', version: 1 } }));
    expect(first!.success).toBe(true);
    const staleHit = createIntent('test:hit', { actor: 'ogre', amount: 4 }, { expected: { entity: '/actors/ogre', version: 1 } });
    const [stale] = await gm.request(staleHit);
    expect(stale).toMatchObject({ success: false, reason: 'conflict' });
    const [invalid] = await gm.request(createIntent('test:spawn', { actor: '', hp: -1 }));
    expect(invalid).toMatchObject({ success: false, reason: 'schema-violation' });
    // A resend of the conflicting intent gets its first answer again: it takes the fifth token but is not judged again.
    gm.acks.delete(staleHit.id);
    expect(await gm.request(staleHit)).toEqual([stale]);
    // No token is left: these are refused at admission.
    const acks = await gm.request(chat('one'), chat('two'), chat('three'));
    expect(acks.map((a) => !a.success && a.reason)).toEqual(['rate-limited', 'rate-limited', 'rate-limited']);

    // A player's hand-made table update the write rules refuse.
    const player = await openTablePeer(running.wsUrl, session, 'alice');
    cleanups.push(() => player.close());
    expect(await player.edit((doc) => applyPatchToDoc(doc, TABLE_DOC_SCHEMA, [{ op: 'replace', path: '/actors/ogre/hp', value: 999 }]))).toBe('denied');
    const rule = /^\[(W\d+)\]/.exec(player.denials[0] ?? '')?.[1];
    expect(rule).toBeDefined();

    const s = await eventually(running, 'the write refusal', (x) => x.value('dungeonlab_write_refusals_total', { rule: rule! }) === 1);
    const intents = (outcome: string) => s.value('dungeonlab_intents_total', { session, outcome });
    // spawn and the first hit: accepted; the stale hit: a conflict (once, resent or not); the empty actor: refused.
    expect(intents('accepted')).toBe(2);
    expect(intents('conflict')).toBe(1);
    expect(intents('refused')).toBe(1);
    expect(s.value('dungeonlab_rate_limit_refusals_total', { limit: 'intents-per-user' })).toBe(3);
    expect(s.value('dungeonlab_rate_limit_refusals_total', { limit: 'socket-messages' })).toBe(0);
    expect(s.value('dungeonlab_event_log_appended_bytes_total', { record: 'entry' })).toBeGreaterThan(0);
    // The conflict and the schema violation are remembered so a resend cannot succeed later ([EL3]).
    expect(s.value('dungeonlab_event_log_appended_bytes_total', { record: 'rejection' })).toBeGreaterThan(0);
    expect(s.value('dungeonlab_session_leases_held')).toBe(1);
    expect(s.value('dungeonlab_session_lease_changes_total', { change: 'acquired' })).toBe(1);
    expect(s.value('dungeonlab_session_lease_changes_total', { change: 'lost' })).toBe(0);
    // Only sessions this process sequences have series of their own.
    expect(new Set(s.all('dungeonlab_intents_total').map((x) => x.labels.session))).toEqual(new Set([session]));
  });

  it('[OM10] refused upgrades count against the limit that refused them', async () => {
    const running = await server({ limits: { connectionsPerIp: 1 } });
    const first = await openRaw(running.wsUrl, 'metrics-limits');
    cleanups.push(() => first.ws.close());
    await expect(openRaw(running.wsUrl, 'metrics-limits')).rejects.toThrow(/upgrade refused: 429/);
    const s = await scrape(running);
    expect(s.value('dungeonlab_rate_limit_refusals_total', { limit: 'connections-per-ip' })).toBe(1);
    expect(s.value('dungeonlab_rate_limit_refusals_total', { limit: 'upgrades-per-ip' })).toBe(0);
  });

  it('[OM2] two servers in one process keep independent registries; an injected registry is the one served', async () => {
    const injected = new Registry();
    const a = await server({ metrics: { registry: injected } });
    const b = await server();
    const p = connectProvider(a.wsUrl, 'metrics-two', new Y.Doc());
    cleanups.push(() => p.destroy());
    await synced(p);
    p.doc.getText('t').insert(0, 'only on a');
    const sa = await eventually(a, 'the fan-out on a', (s) => s.value('dungeonlab_sync_latency_seconds_count', { stage: 'fanout' }) === 1);
    const sb = await scrape(b);
    expect(sa.value('dungeonlab_connections')).toBe(1);
    expect(sb.value('dungeonlab_connections')).toBe(0);
    expect(sa.value('dungeonlab_messages_attempted_total')).toBeGreaterThan(0);
    expect(sb.value('dungeonlab_messages_attempted_total')).toBe(0);
    expect(sb.value('dungeonlab_sync_latency_seconds_count', { stage: 'fanout' })).toBe(0);
    // Both serve the process's metrics.
    expect(sb.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(parsePrometheusText(await injected.metrics()).value('dungeonlab_connections')).toBe(1);
  });
});
