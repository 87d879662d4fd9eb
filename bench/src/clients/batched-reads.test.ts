import { once } from 'node:events';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchedReads } from './batched-reads.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A loopback pair: the server side writes, the client side is read. */
async function pair(): Promise<{ writer: Socket; reader: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const reader = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(reader, 'connect');
  const [writer] = (await accepted) as [Socket];
  cleanups.push(() => {
    reader.destroy();
    writer.destroy();
    server.close();
  });
  return { writer, reader };
}

describe('BatchedReads', () => {
  it('delivers every byte, in one read per burst instead of one per write, and reads at once again after close', async () => {
    const { writer, reader } = await pair();
    let received = 0;
    let reads = 0;
    reader.on('data', (chunk: Buffer) => {
      received += chunk.length;
      reads++;
    });
    const batched = new BatchedReads(100);
    batched.add(reader);
    await sleep(20);
    for (let i = 0; i < 40; i++) {
      writer.write(Buffer.alloc(100, i));
      await sleep(5);
    }
    await sleep(250);
    expect(received).toBe(4_000);
    // 40 writes over about 200 ms come in at most a few bursts of the 100 ms timer.
    expect(reads).toBeLessThanOrEqual(5);

    batched.close();
    const before = reads;
    for (let i = 0; i < 10; i++) {
      writer.write(Buffer.alloc(100, i));
      await sleep(10);
    }
    await sleep(20);
    expect(received).toBe(5_000);
    expect(reads - before).toBeGreaterThanOrEqual(8);
  });
});
