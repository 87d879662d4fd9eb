import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as Y from 'yjs';
import { ResourceMeter } from '../host/resource-meter.ts';
import { closeAll, connectAll, keepAlive } from '../clients/client-pool.ts';
import { LoadClient } from '../clients/load-client.ts';
import { pace } from '../clients/pacer.ts';
import { PROVIDER_BACKOFF, reconnect } from '../clients/reconnect.ts';
import { SendLog } from '../clients/send-log.ts';
import { TokenWriter, seqInDoc } from '../clients/token-writer.ts';
import type { TargetSpec } from '../targets/registry.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { meterFields } from './meter-fields.ts';
import { mb, withTarget } from './with-target.ts';

const CLIENTS_PER_ROOM = 10;
// High enough that some moves are in flight, or echoed but not yet stored, when the kill lands.
const MOVES_PER_ROOM_PER_SECOND = 5;
const SYNCED_SHARE = 0.99;

const sizes = (quick: boolean): { rooms: number; beforeKillMs: number; deadlineMs: number } =>
  quick ? { rooms: 20, beforeKillMs: 2_000, deadlineMs: 30_000 } : { rooms: 100, beforeKillMs: 5_000, deadlineMs: 60_000 };

const scenario = (rooms: number): string => `${rooms * CLIENTS_PER_ROOM} clients in ${rooms} rooms, kill -9 + restart`;

const metrics: readonly MetricSpec[] = [
  { key: 'restartMs', label: 'process start to listening', unit: 'ms', better: 'lower', digits: 0 },
  { key: 'resync99Ms', label: '99 % synced again after kill', unit: 'ms', better: 'lower', digits: 0 },
  { key: 'resyncAllMs', label: 'all synced again after kill', unit: 'ms', better: 'lower', digits: 0 },
  { key: 'resync99AfterListenMs', label: '99 % synced again after listening', unit: 'ms', better: 'lower', digits: 0 },
  { key: 'acked', label: 'moves echoed before the kill', unit: '', better: 'none', digits: 0 },
  { key: 'lost', label: 'echoed moves missing after restart', unit: '', better: 'lower', digits: 0 },
  { key: 'lostPct', label: 'echoed moves missing after restart', unit: '%', better: 'lower', digits: 1 },
  { key: 'saved', label: 'moves confirmed durable (saved) before the kill', unit: '', better: 'none', digits: 0 },
  { key: 'savedLost', label: 'confirmed-durable moves missing after restart', unit: '', better: 'lower', digits: 0 },
  { key: 'rssPeak', label: 'server RSS peak during resync', unit: 'MB', better: 'lower', digits: 1 },
  { key: 'serverCpuMs', label: 'server CPU during resync', unit: 'ms', better: 'lower', digits: 0 },
];

interface RoomState {
  readonly writer: TokenWriter;
  readonly writerClient: LoadClient;
  /** Highest move of this room's writer that came back from the server. */
  acked: number;
  /** Highest move the server declared durable (only servers with such an acknowledgement). */
  saved: number;
}

export const reconnectStorm: Workload = {
  name: 'storm',
  title: 'Reconnect storm: the server is killed with SIGKILL and restarted under 1,000 clients',
  description:
    `Clients spread over rooms of ${CLIENTS_PER_ROOM}; one per room moves a token (${MOVES_PER_ROOM_PER_SECOND}/s). While ` +
    'moves are flowing the target is killed with SIGKILL and started again on the same port (ours on the same data ' +
    'directory). Every client reconnects with y-websocket\'s backoff (100 ms doubling to 2.5 s, jittered) and joins ' +
    'with an empty state vector, so it re-uploads nothing: what it gets back is what the server kept. A move counts ' +
    'as lost if the server had echoed it to its writer before the kill and the restarted server does not have it. ' +
    'Ours also tells its writers which moves are durable (the `saved` sidecar message); those must all survive. ' +
    'Real providers re-upload their local state on reconnect, which hides a server\'s loss; this measures the server.',
  metrics,
  scenarios: (quick) => [scenario(sizes(quick).rooms)],
  async run(spec: TargetSpec, context: RunContext): Promise<Measurement[]> {
    const { rooms, beforeKillMs, deadlineMs } = sizes(context.quick);
    return withTarget(spec, async (target) => {
      const log = new SendLog();
      const states: RoomState[] = [];
      const clients: LoadClient[] = [];
      let killedAt = Infinity;
      let deadline = Infinity;
      const recovering: Array<Promise<boolean>> = [];
      const reconnecting = new Set<LoadClient>();
      const onClose = (client: LoadClient, expected: boolean): void => {
        // Failed attempts close too; the loop already running for this client handles those.
        if (expected || killedAt === Infinity || reconnecting.has(client)) return;
        reconnecting.add(client);
        recovering.push(
          reconnect(client, { ...PROVIDER_BACKOFF, deadline: () => deadline, connectTimeoutMs: 10_000 }).finally(() =>
            reconnecting.delete(client),
          ),
        );
      };
      for (let r = 0; r < rooms; r++) {
        const room = `room-${r}`;
        const writer = new TokenWriter(log);
        const state: RoomState = {
          writer,
          acked: 0,
          saved: 0,
          writerClient: new LoadClient({
            wire: spec.durableAckWire ?? spec.wire,
            baseUrl: () => target.url,
            room,
            deferStep2: true,
            onClose,
            onUpdate: (update) => {
              if (performance.now() < killedAt) state.acked = Math.max(state.acked, writer.movesIn(update));
            },
            onSaved: (stateVector) => {
              if (performance.now() < killedAt) state.saved = Math.max(state.saved, writer.movesCoveredBy(stateVector));
            },
          }),
        };
        states.push(state);
        clients.push(state.writerClient);
        for (let c = 1; c < CLIENTS_PER_ROOM; c++) {
          clients.push(new LoadClient({ wire: spec.wire, baseUrl: () => target.url, room, onClose }));
        }
      }
      context.log(`storm ${spec.name}: joining ${clients.length} clients`);
      const joined = await connectAll(clients, 100);
      if (joined.failed > 0) throw new Error(`${joined.failed} clients failed to join: ${joined.firstError}`);
      const stopKeepalive = keepAlive(() => clients);
      try {
        for (const state of states) state.writerClient.sendUpdate(state.writer.creation());
        await sleep(500);

        const writing = pace({
          ratePerSecond: rooms * MOVES_PER_ROOM_PER_SECOND,
          durationMs: beforeKillMs * 2,
          maxCount: rooms * MOVES_PER_ROOM_PER_SECOND * (beforeKillMs / 1000) * 2,
          stopped: () => killedAt !== Infinity,
          send: (i) => {
            const state = states[i % states.length]!;
            state.writerClient.sendUpdate(state.writer.move());
          },
        });
        await sleep(beforeKillMs);

        context.log(`storm ${spec.name}: kill -9`);
        killedAt = performance.now();
        deadline = killedAt + deadlineMs;
        await target.kill9();
        await writing;
        const restartStart = performance.now();
        await target.restart();
        // Ours fetches a token for new clients after it listens; clients already reconnect meanwhile.
        const listeningAt = performance.now() - target.listeningForMs;
        const restartMs = listeningAt - restartStart;
        const meter = new ResourceMeter(target.pid);

        const resyncTimes = (): number[] =>
          clients
            .filter((c) => c.state === 'synced' && c.syncedAt! > killedAt)
            .map((c) => c.syncedAt! - killedAt)
            .sort((a, b) => a - b);
        while (performance.now() < deadline && resyncTimes().length < clients.length) await sleep(20);
        const reading = meter.stop();
        const times = resyncTimes();
        const needed = Math.ceil(clients.length * SYNCED_SHARE);
        const resync99Ms = times.length >= needed ? times[needed - 1]! : null;
        const resyncAllMs = times.length === clients.length ? times[times.length - 1]! : null;

        let acked = 0;
        let lost = 0;
        let saved = 0;
        let savedLost = 0;
        let unknown = 0;
        for (const state of states) {
          acked += state.acked;
          saved += state.saved;
          const step2 = state.writerClient.state === 'synced' ? state.writerClient.takeStep2() : undefined;
          if (!step2) {
            unknown += 1;
            continue;
          }
          const doc = new Y.Doc();
          Y.applyUpdate(doc, step2);
          const kept = seqInDoc(doc, state.writer);
          lost += Math.max(0, state.acked - kept);
          savedLost += Math.max(0, state.saved - kept);
          doc.destroy();
        }
        const notes = unknown > 0 ? [`${unknown} writers did not resync; their rooms are not counted in "lost"`] : [];
        return [
          {
            target: spec.name,
            scenario: scenario(rooms),
            metrics: {
              restartMs,
              resync99Ms,
              resyncAllMs,
              resync99AfterListenMs: resync99Ms === null ? null : resync99Ms - (listeningAt - killedAt),
              acked,
              lost,
              lostPct: acked > 0 ? (lost / acked) * 100 : null,
              saved: spec.durableAckWire ? saved : null,
              savedLost: spec.durableAckWire ? savedLost : null,
              rssPeak: mb(reading.serverRssPeakKb),
              serverCpuMs: reading.serverCpuMs,
            },
            ...meterFields(reading),
            notes,
          },
        ];
      } finally {
        stopKeepalive();
        killedAt = killedAt === Infinity ? 0 : killedAt;
        deadline = 0;
        await Promise.allSettled(recovering);
        await closeAll(clients);
      }
    });
  },
};
