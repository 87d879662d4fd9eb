import { describe, expect, it } from 'vitest';
import { runRoomBusConformance } from './bus-conformance.ts';
import { InProcessBus, InProcessHub } from './in-process-bus.ts';
import { type BusMessage, roomChannel } from './room-bus.ts';

runRoomBusConformance('in-process', async (processes) => {
  const hub = new InProcessHub();
  // A handler's failure is expected in [BUS5]; the default reporter would print it.
  const buses = Array.from({ length: processes }, () => new InProcessBus({ hub, onError: () => {} }));
  return { processes: buses, close: async () => void (await Promise.all(buses.map((b) => b.close()))) };
});

describe('a hub standing for several processes', () => {
  const update = (n: number): BusMessage => ({ kind: 'doc-update', room: 'r', update: new Uint8Array([n]), ticket: { writer: 1, seq: n } });
  const heard = (into: number[]) => (m: BusMessage) => void into.push((m as { update: Uint8Array }).update[0]!);

  it('[BUS8] with a history, a subscriber asking for a replay gets what was published within it, in order, then the rest, none twice', async () => {
    let now = 1_000;
    const hub = new InProcessHub({ historyMs: 500, now: () => now });
    const [a, b] = [new InProcessBus({ hub }), new InProcessBus({ hub })];
    await a.publish(update(1));
    now += 400;
    await a.publish(update(2));
    now += 300;
    await a.publish(update(3));
    const got: number[] = [];
    // Update 1 is older than the history, update 2 than the replay asked for.
    b.subscribe(roomChannel('r'), heard(got), { replayMs: 200 });
    await a.publish(update(4));
    expect(got).toEqual([3, 4]);
    const all: number[] = [];
    b.subscribe(roomChannel('r'), heard(all), { replayMs: 10_000 });
    expect(all).toEqual([2, 3, 4]);
  });

  it('[BUS8] without one (a single process: the default), there is nothing to replay', async () => {
    const hub = new InProcessHub();
    const [a, b] = [new InProcessBus({ hub }), new InProcessBus({ hub })];
    await a.publish(update(1));
    const got: number[] = [];
    b.subscribe(roomChannel('r'), heard(got), { replayMs: 60_000 });
    await a.publish(update(2));
    expect(got).toEqual([2]);
  });
});
