import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameCounter } from './frame-counter.ts';

/** A server frame as a server writes it: FIN, the opcode, an unmasked length. */
function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 0x10000 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 0x10000) {
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(n, 2);
  } else if (n >= 0x10000) {
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeUInt32BE(0, 2);
    header.writeUInt32BE(n, 6);
  }
  return Buffer.concat([header, payload]);
}

const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('FrameCounter', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function pair(): Promise<{ server: Socket; client: Socket; fromClient: () => Buffer }> {
    const received: Buffer[] = [];
    let serverSide: Socket | undefined;
    const server = createServer((s) => {
      serverSide = s;
      s.on('data', (c) => received.push(c));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    await until(() => serverSide !== undefined);
    cleanups.push(() => {
      client.destroy();
      server.close();
    });
    return { server: serverSide!, client, fromClient: () => Buffer.concat(received) };
  }

  it('hands over every binary payload whole, however the stream splits them', async () => {
    const { server, client } = await pair();
    const payloads = [Buffer.from([0, 2, 1, 9]), Buffer.alloc(300, 7), Buffer.alloc(70_000, 3), Buffer.from([0, 1, 0])];
    const got: Buffer[] = [];
    new FrameCounter(client, { message: (p) => got.push(Buffer.from(p)), closed: () => {} });
    const stream = Buffer.concat(payloads.map((p) => frame(0x2, p)));
    // Cut the stream at awkward places: inside headers, inside extended lengths, inside payloads.
    const cuts = [1, 3, 5, 306, 309, 20_000, stream.length];
    let from = 0;
    for (const cut of cuts) {
      server.write(stream.subarray(from, cut));
      from = cut;
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => got.length === payloads.length);
    expect(got).toEqual(payloads);
  });

  it('answers a ping with a masked pong carrying its payload, and reports a close frame', async () => {
    const { server, client, fromClient } = await pair();
    let closed = false;
    const got: Buffer[] = [];
    new FrameCounter(client, { message: (p) => got.push(Buffer.from(p)), closed: () => (closed = true) });
    server.write(Buffer.concat([frame(0x9, Buffer.from('hi')), frame(0x2, Buffer.from([5])), frame(0x8, Buffer.alloc(0))]));
    await until(() => closed && fromClient().length >= 8);
    expect(got).toEqual([Buffer.from([5])]);
    const pong = fromClient();
    expect(pong[0]).toBe(0x8a);
    expect(pong[1]).toBe(0x80 | 2);
    expect(pong.subarray(2, 6)).toEqual(Buffer.alloc(4));
    expect(pong.subarray(6, 8).toString()).toBe('hi');
  });
});
