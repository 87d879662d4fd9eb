import { setTimeout as sleep } from 'node:timers/promises';
import * as Y from 'yjs';
import { LoadClient } from '../clients/load-client.ts';
import type { TargetSpec } from '../targets/registry.ts';
import { wsFrameBytes } from '../wire/frame-size.ts';
import type { Measurement, MetricSpec, RunContext, Workload } from './types.ts';
import { meterFields } from './meter-fields.ts';
import { withTarget } from './with-target.ts';

const SCENARIO = 'one token move (x, y on an existing token)';
const ROOM = 'wire';
/** The move measured; the first ones differ (first item of a client in this map, first deletions). */
const MEASURED_MOVE = 5;
const SETTLE_MS = 150;

/** A token as a VTT keeps it, for the JSON comparison. */
const TOKEN = {
  id: 'token-7f3a9c',
  actorId: 'actor-2b81e0',
  name: 'Goblin Archer',
  img: 'assets/tokens/goblin-archer.webp',
  x: 1200,
  y: 850,
  width: 1,
  height: 1,
  rotation: 0,
  elevation: 0,
  hidden: false,
  locked: false,
  disposition: -1,
  light: { dim: 0, bright: 0 },
  bars: { hp: { value: 7, max: 7 } },
  conditions: [] as string[],
};

const metrics: readonly MetricSpec[] = [
  { key: 'yjsUpdate', label: 'Yjs update', unit: 'B', better: 'none', digits: 0 },
  { key: 'upPayload', label: 'client → server message', unit: 'B', better: 'lower', digits: 0 },
  { key: 'upWire', label: 'client → server WebSocket frame', unit: 'B', better: 'lower', digits: 0 },
  { key: 'downPayload', label: 'server → each other client message', unit: 'B', better: 'lower', digits: 0 },
  { key: 'downWire', label: 'server → each other client frame', unit: 'B', better: 'lower', digits: 0 },
  { key: 'senderFrames', label: 'frames back to the mover', unit: '', better: 'lower', digits: 0 },
  { key: 'senderWire', label: 'bytes back to the mover', unit: 'B', better: 'lower', digits: 0 },
  { key: 'jsonFull', label: 'full token as JSON', unit: 'B', better: 'none', digits: 0 },
  { key: 'jsonMove', label: 'JSON move message {type, id, x, y}', unit: 'B', better: 'none', digits: 0 },
];

/** A client id of the most common length: 15 in 16 random 32-bit ids take 5 bytes as a varint. */
const MOVER_CLIENT_ID = 0x9e37_79b9;

export const wireBytes: Workload = {
  name: 'wire',
  title: 'Wire bytes: one token move',
  description:
    `A client creates a full token, moves it ${MEASURED_MOVE} times (a Y.Map set of x and y) and the last move is ` +
    'measured: the Yjs update, the message and WebSocket frame (header and client mask included) in each direction, ' +
    'and what comes back to the mover (its echo, and Hocuspocus\'s per-update acknowledgement). For scale: the whole ' +
    'token as JSON, and a minimal JSON move message. The mover starts with the same Yjs client id on every target (one that ' +
    'takes 5 bytes as a varint, as 15 in 16 random ids do): the id appears four times in a move, so with random ids ' +
    'the sizes would differ by a few bytes from run to run and target to target. On ours the mover then asks for a ' +
    'short client id, as its client does on every connection (`client-id`, docs/protocol.md [P15]), and moves under it.',
  metrics,
  scenarios: () => [SCENARIO],
  async run(spec: TargetSpec, context: RunContext): Promise<Measurement[]> {
    context.log(`wire ${spec.name}`);
    return withTarget(spec, async (target) => {
      const doc = new Y.Doc();
      // Yjs picks a random 32-bit client id, and the id is written into the update several times
      // as a variable-length integer: the same move is 4 bytes shorter for one id in sixteen. Every
      // mover starts with the same, typical (5-byte) id, so the rows differ only by what the server
      // does — including, for a server that leases short ids, the id it hands out.
      doc.clientID = MOVER_CLIENT_ID;
      const wire = spec.leasedIdWire ?? spec.wire;
      let leased: number | undefined;
      const mover = new LoadClient({ wire, baseUrl: () => target.url, room: ROOM, doc, onClientId: (id) => (leased = id) });
      const observer = new LoadClient({ wire: spec.wire, baseUrl: () => target.url, room: ROOM });
      await mover.connect();
      await observer.connect();
      if (wire.encodeClientIdRequest) {
        mover.send(wire.encodeClientIdRequest(ROOM, doc.clientID));
        const deadline = Date.now() + 10_000;
        while (leased === undefined && Date.now() < deadline) await sleep(10);
        if (leased === undefined) throw new Error(`${spec.name}: no client id leased within 10 s`);
        doc.clientID = leased;
      }
      let lastUpdate: Uint8Array | undefined;
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === undefined || origin === null) lastUpdate = update;
      });
      const token = new Y.Map<unknown>();
      doc.transact(() => {
        doc.getMap('tokens').set(TOKEN.id, token);
        for (const [key, value] of Object.entries(TOKEN)) token.set(key, value);
      });
      mover.sendUpdate(lastUpdate!);
      await sleep(SETTLE_MS);

      let measured: Record<string, number> = {};
      for (let move = 1; move <= MEASURED_MOVE; move++) {
        const before = { moverFrames: mover.framesIn, moverBytes: mover.bytesIn, observerBytes: observer.bytesIn };
        doc.transact(() => {
          token.set('x', TOKEN.x + move * 50);
          token.set('y', TOKEN.y + move * 50);
        });
        const update = lastUpdate!;
        const message = wire.encodeUpdate(ROOM, update);
        mover.send(message);
        await sleep(SETTLE_MS);
        const down = observer.bytesIn - before.observerBytes;
        const senderFrames = mover.framesIn - before.moverFrames;
        const senderPayload = mover.bytesIn - before.moverBytes;
        measured = {
          yjsUpdate: update.byteLength,
          upPayload: message.byteLength,
          upWire: wsFrameBytes(message.byteLength, true),
          downPayload: down,
          downWire: wsFrameBytes(down, false),
          senderFrames,
          // Each frame back carries its own header; the payloads are small, so 2 bytes each.
          senderWire: senderPayload + 2 * senderFrames,
        };
      }
      const moveJson = JSON.stringify({ type: 'move', id: TOKEN.id, x: TOKEN.x + 250, y: TOKEN.y + 250 });
      const fullJson = JSON.stringify({ ...TOKEN, x: TOKEN.x + 250, y: TOKEN.y + 250 });
      mover.close();
      observer.close();
      await Promise.all([mover.closed(), observer.closed()]);
      return [
        {
          target: spec.name,
          scenario: SCENARIO,
          metrics: { ...measured, jsonFull: Buffer.byteLength(fullJson), jsonMove: Buffer.byteLength(moveJson) },
          ...meterFields(undefined),
          notes: [],
        },
      ];
    });
  },
};
