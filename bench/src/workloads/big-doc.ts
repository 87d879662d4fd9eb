import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as Y from 'yjs';
import { type MeterReading, ResourceMeter } from '../host/resource-meter.ts';
import { LoadClient } from '../clients/load-client.ts';
import { buildSessionDocument } from '../clients/session-document.ts';
import { TOKENS_MAP } from '../clients/token-writer.ts';
import { summarize } from '../report/stats.ts';
import type { TargetSpec } from '../targets/registry.ts';
import type { TargetProcess } from '../targets/target-process.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { meterFields } from './meter-fields.ts';
import { BENCH_EVICT_AFTER_MS, mb, withTarget } from './with-target.ts';

const ROOM = 'campaign';
const JOIN_TIMEOUT_MS = 120_000;
/** A cold join that takes this long has hung; the row reports that instead of failing the workload. */
const COLD_JOIN_TIMEOUT_MS = 30_000;
const CROWD = 20;

const PRELOAD = 'preload (one client pushes)';
const ONE = '1 fresh joiner';
const CROWD_SCENARIO = `${CROWD} simultaneous fresh joiners`;
const COLD = '1 joiner after everyone left (+ eviction delay)';

const sizeBytes = (quick: boolean): number => (quick ? 1 : 10) * 1024 * 1024;

type SessionDocument = ReturnType<typeof buildSessionDocument>;
let cached: { bytes: number; doc: SessionDocument } | undefined;
function sessionDocument(bytes: number): SessionDocument {
  if (cached?.bytes !== bytes) cached = { bytes, doc: buildSessionDocument(bytes) };
  return cached.doc;
}

const metrics: readonly MetricSpec[] = [
  { key: 'docMb', label: 'document size', unit: 'MB', better: 'none', digits: 2 },
  { key: 'pushMs', label: 'push accepted after', unit: 'ms', better: 'lower', digits: 0 },
  { key: 'recvP50', label: 'sync step 2 received, p50', unit: 'ms', better: 'lower', digits: 0 },
  { key: 'recvMax', label: 'sync step 2 received, max', unit: 'ms', better: 'lower', digits: 0 },
  { key: 'syncedP50', label: 'synced (received + applied), p50', unit: 'ms', better: 'lower', digits: 0 },
  { key: 'syncedMax', label: 'synced (received + applied), max', unit: 'ms', better: 'lower', digits: 0 },
  { key: 'complete', label: 'tokens present after sync', unit: '%', better: 'higher', digits: 0 },
  { key: 'rssPeak', label: 'server RSS peak', unit: 'MB', better: 'lower', digits: 1 },
  { key: 'serverCpuMs', label: 'server CPU', unit: 'ms', better: 'lower', digits: 0 },
];

interface JoinFigures {
  readonly recv: number[];
  readonly synced: number[];
  readonly complete: number;
}

/**
 * Joins `count` fresh clients at once. Applying a 10 MB update takes the load
 * generator's single core a while, and each joiner stands for a separate
 * device, so receiving is timed for all of them first and each one's apply
 * time is added afterwards, one document at a time.
 */
async function join(
  target: TargetProcess,
  count: number,
  actors: number,
  timeoutMs = JOIN_TIMEOUT_MS,
): Promise<JoinFigures & { meter: MeterReading }> {
  const clients = Array.from(
    { length: count },
    () => new LoadClient({ wire: target.spec.wire, baseUrl: () => target.url, room: ROOM, deferStep2: true, doc: new Y.Doc() }),
  );
  const meter = new ResourceMeter(target.pid);
  try {
    await Promise.all(clients.map((client) => client.connect(timeoutMs)));
  } catch (error) {
    meter.stop();
    for (const client of clients) client.close();
    await Promise.all(clients.map((client) => client.closed()));
    throw error;
  }
  // The server's part ends here; applying is the joiners' own work.
  const reading = meter.stop();
  const recv: number[] = [];
  const synced: number[] = [];
  let tokens = 0;
  for (const client of clients) {
    const received = client.syncedAt! - client.connectStartedAt!;
    const step2 = client.takeStep2()!;
    const doc = new Y.Doc();
    const start = performance.now();
    Y.applyUpdate(doc, step2);
    const applied = performance.now() - start;
    tokens += doc.getMap(TOKENS_MAP).size;
    doc.destroy();
    recv.push(received);
    synced.push(received + applied);
    client.close();
  }
  await Promise.all(clients.map((client) => client.closed()));
  return { recv, synced, complete: (tokens / (actors * count)) * 100, meter: reading };
}

function measurement(
  spec: TargetSpec,
  scenario: string,
  docBytes: number,
  figures: Partial<JoinFigures> & { pushMs?: number },
  meter: MeterReading,
): Measurement {
  const recv = figures.recv ? summarize(Float64Array.from(figures.recv)) : undefined;
  const synced = figures.synced ? summarize(Float64Array.from(figures.synced)) : undefined;
  return {
    target: spec.name,
    scenario,
    metrics: {
      docMb: mb(docBytes / 1024),
      pushMs: figures.pushMs ?? null,
      recvP50: recv?.p50 ?? null,
      recvMax: recv?.max ?? null,
      syncedP50: synced?.p50 ?? null,
      syncedMax: synced?.max ?? null,
      complete: figures.complete ?? null,
      rssPeak: mb(meter.serverRssPeakKb),
      serverCpuMs: meter.serverCpuMs,
    },
    ...meterFields(meter),
    notes: [],
  };
}

export const bigDoc: Workload = {
  name: 'bigdoc',
  title: 'Big document: a ~10 MB session document, fresh joiners',
  description:
    'A campaign session of about 10 MB (thousands of actors with stats and multi-edit notes, a token each) is pushed ' +
    'by one client as the edits that built it (batches of 250 actors, a few hundred KB each), as a document that grew ' +
    'over many sessions reached the server; one 10 MB update would exceed ours\' 8 MB limit on a single update. A second, passive client ' +
    'stays connected so that servers which unload a room when its last client leaves keep it. Then 1 and then 20 ' +
    'fresh clients join at once; "received" is the time to sync step 2, "synced" adds the time to apply it. Finally ' +
    'every client leaves, the eviction delay passes, and one more client joins: this shows what each server still has.',
  metrics,
  scenarios: () => [PRELOAD, ONE, CROWD_SCENARIO, COLD],
  async run(spec: TargetSpec, context: RunContext): Promise<Measurement[]> {
    const { update, edits, actors } = sessionDocument(sizeBytes(context.quick));
    return withTarget(spec, async (target) => {
      const out: Measurement[] = [];
      // The holder keeps a document so that the push can be seen complete whatever the server's framing
      // (Hocuspocus may deliver several edits in one message).
      const holderDoc = new Y.Doc();
      const holder = new LoadClient({ wire: spec.wire, baseUrl: () => target.url, room: ROOM, doc: holderDoc });
      await holder.connect();

      context.log(`bigdoc ${spec.name}: preload ${(update.byteLength / 1048576).toFixed(1)} MB`);
      const pusher = new LoadClient({ wire: spec.wire, baseUrl: () => target.url, room: ROOM });
      const meter = new ResourceMeter(target.pid);
      const pushStart = performance.now();
      await pusher.connect(JOIN_TIMEOUT_MS);
      for (const edit of edits) pusher.sendUpdate(edit);
      // Accepted once the server echoed (y-websocket) or acknowledged (Hocuspocus) every edit.
      const deadline = pushStart + JOIN_TIMEOUT_MS;
      while (pusher.updatesIn + pusher.acksIn < edits.length && performance.now() < deadline) await sleep(10);
      const pushMs = performance.now() - pushStart;
      while (holderDoc.getMap(TOKENS_MAP).size < actors && performance.now() < deadline) await sleep(10);
      out.push(measurement(spec, PRELOAD, update.byteLength, { pushMs }, meter.stop()));
      pusher.close();
      await pusher.closed();
      await sleep(1_000);

      context.log(`bigdoc ${spec.name}: 1 joiner`);
      const one = await join(target, 1, actors);
      out.push(measurement(spec, ONE, update.byteLength, one, one.meter));
      await sleep(500);

      context.log(`bigdoc ${spec.name}: ${CROWD} joiners`);
      const crowd = await join(target, CROWD, actors);
      out.push(measurement(spec, CROWD_SCENARIO, update.byteLength, crowd, crowd.meter));

      holder.close();
      await holder.closed();
      holderDoc.destroy();
      await sleep(BENCH_EVICT_AFTER_MS + 2_000);
      context.log(`bigdoc ${spec.name}: cold joiner`);
      try {
        const cold = await join(target, 1, actors, COLD_JOIN_TIMEOUT_MS);
        out.push(measurement(spec, COLD, update.byteLength, cold, cold.meter));
      } catch (error) {
        const meter = new ResourceMeter(target.pid);
        out.push({
          ...measurement(spec, COLD, update.byteLength, {}, meter.stop()),
          notes: [`the joiner was not synced within ${COLD_JOIN_TIMEOUT_MS / 1000} s: ${(error as Error).message}`],
        });
      }
      return out;
    });
  },
};
