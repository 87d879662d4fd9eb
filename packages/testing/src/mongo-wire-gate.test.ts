import { type AddressInfo, connect, createServer } from 'node:net';
import { BSON, MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy } from './fault-proxy.ts';
import { jongodbMissing, startJongodb } from './jongodb.ts';
import { encodeOpMsg, framer, startMongoWireGate } from './mongo-wire-gate.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const missing = jongodbMissing();

async function jongodbWithGate() {
  const server = await startJongodb();
  cleanups.push(() => server.stop());
  const u = new URL(server.url);
  const gate = await startMongoWireGate({ target: { host: u.hostname, port: Number(u.port) } });
  cleanups.push(() => gate.close());
  const urlAt = (address: string) => {
    const at = new URL(server.url);
    at.host = address;
    return at.toString();
  };
  return { server, gate, urlAt };
}

async function client(url: string): Promise<MongoClient> {
  const c = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  await c.connect();
  cleanups.push(() => c.close());
  return c;
}

/** Three clients at once, each alternating single inserts and two-row transactions: answers how many rows were acknowledged. */
async function concurrentWrites(clients: MongoClient[]): Promise<number> {
  let acknowledged = 0;
  await Promise.all(
    clients.map(async (c, n) => {
      const rows = c.db('gate').collection('rows');
      for (let i = 0; i < 60; i++) {
        if (i % 2 === 0) {
          await rows.insertOne({ row: `${n}-${i}` });
          acknowledged++;
          continue;
        }
        const session = c.startSession();
        await session.withTransaction(async () => {
          await rows.insertMany([{ row: `${n}-${i}a` }, { row: `${n}-${i}b` }], { session });
        });
        await session.endSession();
        acknowledged += 2;
      }
    }),
  );
  return acknowledged;
}

/**
 * A wire-protocol server that answers `{ok: 1}` to everything, commits
 * `commitMs` late, and logs what it received and answered, in order: the
 * gate's ordering seen from the store's side, with a commit slow on demand.
 */
async function slowCommitServer(commitMs: number) {
  const log: string[] = [];
  const server = createServer((socket) => {
    socket.on(
      'data',
      framer((message) => {
      const requestId = message.readInt32LE(4);
      const what = Object.keys(BSON.deserialize(message.subarray(21)))[0]!;
      log.push(`received ${what}`);
      const reply = () => {
        log.push(`answered ${what}`);
        socket.write(encodeOpMsg(0, { ok: 1 }, requestId));
      };
      if (what === 'commitTransaction') setTimeout(reply, commitMs);
      else reply();
      }),
    );
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as AddressInfo).port, log };
}

/** A raw client of the gate: sends OP_MSGs and waits for their answers. */
async function rawClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  const waiting = new Map<number, () => void>();
  socket.on('data', (chunk: Buffer) => waiting.get(chunk.readInt32LE(8))?.());
  let next = 1;
  return {
    socket,
    send(body: Record<string, unknown>): Promise<void> {
      const id = next++;
      socket.write(encodeOpMsg(id, body));
      return new Promise((resolve) => waiting.set(id, resolve));
    },
  };
}

describe('mongo-wire gate, against a store whose commit is slow', () => {
  it('a client that dies with its commit in flight holds the others back until the commit is answered', async () => {
    const store = await slowCommitServer(300);
    const gate = await startMongoWireGate({ target: { host: '127.0.0.1', port: store.port } });
    cleanups.push(() => gate.close());
    const front = await gate.front();
    const [a, b] = [await rawClient(front.port), await rawClient(front.port)];
    const txn = { lsid: { id: new BSON.UUID() }, txnNumber: 1, autocommit: false, $db: 'gate' };
    await a.send({ insert: 'rows', documents: [{ row: 'a' }], startTransaction: true, ...txn });
    void a.send({ commitTransaction: 1, ...txn, $db: 'admin' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    a.socket.destroy();
    await b.send({ insert: 'rows', documents: [{ row: 'b' }], $db: 'gate' });
    expect(store.log).toEqual(['received insert', 'answered insert', 'received commitTransaction', 'answered commitTransaction', 'received insert', 'answered insert']);
  });
});

describe.skipIf(missing !== null)(`mongo-wire gate${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  it('every row three clients wrote at once in overlapping transactions is kept', async () => {
    const { gate, urlAt } = await jongodbWithGate();
    const front = await gate.front();
    const clients = [await client(urlAt(front.address)), await client(urlAt(front.address)), await client(urlAt(front.address))];
    const acknowledged = await concurrentWrites(clients);
    expect(await clients[0]!.db('gate').collection('rows').countDocuments()).toBe(acknowledged);
  }, 60_000);

  it('transactions that each need a connection of their own, from a pool not yet opened, all end: a handshake is not held behind a transaction', async () => {
    const { gate, urlAt } = await jongodbWithGate();
    const front = await gate.front();
    const c = await client(urlAt(front.address));
    const rows = c.db('gate').collection('rows');
    // Each opens a connection for its first request; the one that runs first needs another for its second while the rest wait.
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const session = c.startSession();
        try {
          await session.withTransaction(async () => {
            await rows.insertOne({ row: `${i}a` }, { session });
            await rows.insertOne({ row: `${i}b` }, { session });
          });
        } finally {
          await session.endSession();
        }
      }),
    );
    expect(await rows.countDocuments()).toBe(48);
  }, 20_000);

  it('answers hello with the address a front advertises, so the driver stays on the proxy there', async () => {
    const { gate, urlAt } = await jongodbWithGate();
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: 1 } });
    cleanups.push(() => proxy.close());
    const front = await gate.front(proxy.address);
    proxy.retarget({ host: '127.0.0.1', port: front.port });
    const c = await client(urlAt(proxy.address));
    const hello = await c.db('admin').command({ hello: 1 });
    expect(hello.me).toBe(proxy.address);
    expect(hello.hosts).toEqual([proxy.address]);
    await c.db('gate').collection('rows').insertOne({ row: 'through the proxy' });
    expect(proxy.connections()).toBeGreaterThan(0);
  }, 60_000);

  it('a connection that closes while a transaction holds its request back does not stop the transactions after it', async () => {
    const { gate, urlAt } = await jongodbWithGate();
    const front = await gate.front();
    const [a, c] = [await client(urlAt(front.address)), await client(urlAt(front.address))];
    const rows = (m: MongoClient) => m.db('gate').collection('rows');
    await rows(a).insertOne({ row: 'warm' });
    const session = a.startSession();
    session.startTransaction();
    await rows(a).insertOne({ row: 'a' }, { session });
    // Another client's insert, held by the gate behind a's transaction; its client dies before the gate lets it through.
    const raw = connect(front.port, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.write(encodeOpMsg(7, { insert: 'rows', documents: [{ row: 'never sent' }], $db: 'gate' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    raw.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await session.commitTransaction();
    await session.endSession();
    // The next transaction runs at once: nothing of the dead connection counts as in flight.
    const next = c.startSession();
    const started = Date.now();
    await next.withTransaction(() => rows(c).insertOne({ row: 'c' }, { session: next }));
    await next.endSession();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await rows(c).find().toArray()).map((r) => r.row).sort()).toEqual(['a', 'c', 'warm']);
  }, 60_000);
});
