import { type AddressInfo, type Socket, createServer, connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Outbox, flushIfHeldTooLong } from './outbox.ts';
import { encodeWsFrame } from './ws-frame.ts';

/** A connected TCP pair on loopback: `local` is written to, `remote` collects what arrives. */
async function socketPair(): Promise<{ local: Socket; received: () => Buffer; close: () => void }> {
  const chunks: Buffer[] = [];
  const server = createServer((remote) => remote.on('data', (c) => chunks.push(c)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve) => local.once('connect', resolve));
  return {
    local,
    received: () => Buffer.concat(chunks),
    close: () => {
      local.destroy();
      server.close();
    },
  };
}

/** Frames written and dropped, as the outbox reports them. */
const tally = { framesDelivered: () => {}, framesDropped: () => {} };

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('Outbox', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it('writes the frames of one turn in one write, in order', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    const write = vi.spyOn(pair.local, 'write');
    const outbox = new Outbox(pair.local, () => true, tally);
    const frames = [1, 2, 3].map((n) => encodeWsFrame(new Uint8Array([n, n])));
    for (const f of frames) outbox.push(f);
    expect(write).not.toHaveBeenCalled();
    await nextTurn();
    expect(write).toHaveBeenCalledTimes(1);
    const expected = Buffer.concat(frames);
    await until(() => pair.received().length >= expected.length);
    expect(pair.received()).toEqual(expected);
  });

  it('writes nothing once writing is no longer allowed, and nothing that was discarded; reports both as dropped', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    const write = vi.spyOn(pair.local, 'write');
    const reported = { delivered: 0, dropped: [] as Array<[string, number]> };
    const recording = {
      framesDelivered: (n: number) => void (reported.delivered += n),
      framesDropped: (reason: string, n: number) => void reported.dropped.push([reason, n]),
    };
    let open = true;
    const outbox = new Outbox(pair.local, () => open, recording);
    outbox.push(encodeWsFrame(new Uint8Array([1])));
    open = false;
    await nextTurn();
    outbox.push(encodeWsFrame(new Uint8Array([2])));
    outbox.push(encodeWsFrame(new Uint8Array([3])));
    outbox.discard('slow-consumer');
    open = true;
    await nextTurn();
    expect(write).not.toHaveBeenCalled();
    expect(reported).toEqual({ delivered: 0, dropped: [['closed', 1], ['slow-consumer', 2]] });
    outbox.push(encodeWsFrame(new Uint8Array([4])));
    await nextTurn();
    expect(reported.delivered).toBe(1);
  });

  it('a flush ahead of time sends what is queued at once, and later frames still follow', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    const outbox = new Outbox(pair.local, () => true, tally);
    const first = encodeWsFrame(new Uint8Array([7]));
    const second = encodeWsFrame(new Uint8Array([8]));
    outbox.push(first);
    outbox.flush();
    outbox.push(second);
    await nextTurn();
    await until(() => pair.received().length >= first.length + second.length);
    expect(pair.received()).toEqual(Buffer.concat([first, second]));
  });

  it('writes before the turn ends once a frame has waited more than 2 ms for it', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    const write = vi.spyOn(pair.local, 'write');
    const outbox = new Outbox(pair.local, () => true, tally);
    outbox.push(encodeWsFrame(new Uint8Array([1])));
    flushIfHeldTooLong();
    expect(write).not.toHaveBeenCalled();
    // A long turn: other sockets' work keeps the event loop from reaching the flush.
    const until = performance.now() + 3;
    while (performance.now() < until);
    flushIfHeldTooLong();
    expect(write).toHaveBeenCalledTimes(1);
    await nextTurn();
    expect(write).toHaveBeenCalledTimes(1);
  });

  it('counts as stalled only what the stream could not hand to the kernel', async () => {
    const pair = await socketPair();
    cleanups.push(pair.close);
    const outbox = new Outbox(pair.local, () => true, tally);
    outbox.push(encodeWsFrame(new Uint8Array(1000)));
    expect(outbox.stalledBytes).toBe(0);
  });
});
