/**
 * What is MongoDB's own about the store ([MO1]..[MO8] in docs/storage.md),
 * beyond the conformance suites: parts, write concern, indexes, errors, the
 * deployment it refuses. On jongodb ("mongo-wire"), as the always-on lane.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { StoreUnavailableError, type Store } from '@dungeon-lab/store';
import { startFaultProxy } from '@dungeon-lab/testing/fault-proxy';
import { startMongoWireGate } from '@dungeon-lab/testing/mongo-wire-gate';
import { type Jongodb, jongodbMissing, startJongodb } from '@dungeon-lab/testing/jongodb';
import { type CommandStartedEvent, MongoClient } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMongoStore, MongoDeploymentError } from './mongo-store.ts';

const missing = jongodbMissing();
const MiB = 1024 * 1024;

describe.skipIf(missing !== null)(missing === null ? 'mongo-wire (jongodb): the MongoDB store' : `mongo-wire (jongodb) (skipped: ${missing})`, () => {
  let server: Jongodb;
  let raw: MongoClient;
  const stores: Store[] = [];
  beforeAll(async () => {
    server = await startJongodb();
    raw = new MongoClient(server.url);
  });
  afterAll(async () => {
    await raw?.close();
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  const open = async (options: { client?: MongoClient } = {}): Promise<{ store: Store; dbName: string }> => {
    const dbName = `dl-test-${randomUUID().slice(0, 13)}`;
    const store = options.client === undefined ? await createMongoStore({ url: server.url, dbName }) : await createMongoStore({ client: options.client, dbName });
    stores.push(store);
    return { store, dbName };
  };

  it('[OM11] with a timer, every command the store sends is timed: its name, its duration, its outcome', async () => {
    const observed: Array<{ command: string; seconds: number; ok: boolean }> = [];
    const timer = { observe: (command: string, seconds: number, ok: boolean) => void observed.push({ command, seconds, ok }) };
    const store = await createMongoStore({ url: server.url, dbName: `dl-test-${randomUUID().slice(0, 13)}`, timer });
    stores.push(store);
    await store.ping();
    await store.appendUpdates('timed', [Uint8Array.of(1)]);
    expect((await store.loadDoc('timed')).rows).toHaveLength(1);
    const succeeded = new Set(observed.filter((o) => o.ok).map((o) => o.command));
    for (const command of ['hello', 'ping', 'find']) expect(succeeded, command).toContain(command);
    expect(observed.every((o) => o.seconds >= 0 && o.seconds < 60)).toBe(true);
    // jongodb has no `create` (the store goes on without it): a failed command is reported as one.
    expect(new Set(observed.filter((o) => !o.ok).map((o) => o.command))).toEqual(new Set(['create']));
  });

  it('[MO2] a 20 MiB snapshot is stored as parts of at most 8 MiB, loads byte-exact, and goes whole on delete', async () => {
    const { store, dbName } = await open();
    const snapshot = new Uint8Array(randomBytes(20 * MiB));
    const id = await store.writeSnapshot('big', snapshot);
    const parts = await raw.db(dbName).collection('doc_rows').find({ doc: 'big', row: id }).sort({ part: 1 }).toArray();
    expect(parts.map((p) => [p.part, p.parts, p.kind, p.data.position])).toEqual([
      [0, 3, 'snapshot', 8 * MiB],
      [1, 3, 'snapshot', 8 * MiB],
      [2, 3, 'snapshot', 4 * MiB],
    ]);
    const [row] = (await store.loadDoc('big')).rows;
    expect(row?.id).toBe(id);
    expect(Buffer.from(row!.data).equals(snapshot)).toBe(true);
    await store.deleteRows('big', [id]);
    expect(await raw.db(dbName).collection('doc_rows').countDocuments({ doc: 'big' })).toBe(0);
  });

  it('[MO2][S2] a row with a part missing makes loadDoc reject: never a partial document', async () => {
    const { store, dbName } = await open();
    const id = await store.writeSnapshot('room', new Uint8Array(9 * MiB));
    await store.appendUpdates('room', [Uint8Array.of(1)]);
    await raw.db(dbName).collection('doc_rows').deleteOne({ doc: 'room', row: id, part: 1 });
    await expect(store.loadDoc('room')).rejects.toThrow(/row .* of document "room" is unreadable/);
  });

  it('[MO3] every write is acknowledged with w: majority and j: true, in or out of a transaction', async () => {
    const client = new MongoClient(server.url, { monitorCommands: true });
    const writes: CommandStartedEvent[] = [];
    client.on('commandStarted', (event) => {
      if (['insert', 'update', 'delete', 'findAndModify', 'commitTransaction'].includes(event.commandName)) writes.push(event);
    });
    try {
      const { store } = await open({ client });
      await store.appendUpdates('room', [Uint8Array.of(1)]);
      await store.appendUpdates('room', [Uint8Array.of(2), Uint8Array.of(3)]);
      await store.appendEvents('log', [{ sequence: 1, id: 'a', data: Uint8Array.of(1) }]);
      await store.createSession({ id: 's', name: 'n', joinCode: 'c', createdBy: 'gm', createdAt: 1 });
      await store.addMember('s', { userId: 'bob', role: 'player', joinedAt: 2 });
      await store.leaseClientId('room', 'bob');
      await store.putAsset('s', { type: 'image/png', width: 1, height: 1, data: Uint8Array.of(1) }, 100);
      expect(writes.length).toBeGreaterThan(8);
      for (const { command, commandName } of writes) {
        // Inside a transaction only the commit carries a write concern; it is the transaction's acknowledgement.
        if (command.autocommit === false && commandName !== 'commitTransaction') continue;
        expect(command.writeConcern, commandName).toMatchObject({ w: 'majority', j: true });
      }
      expect(writes.some((w) => w.commandName === 'commitTransaction')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('[MO6] the indexes each query needs exist once a store has opened, unique where a rule says never twice', async () => {
    const { dbName } = await open();
    const indexes = async (collection: string) =>
      Object.fromEntries((await raw.db(dbName).collection(collection).listIndexes().toArray()).map((i) => [i.name, { key: i.key, unique: i.unique === true }]));
    expect(await indexes('doc_rows')).toMatchObject({ doc_row_part: { key: { doc: 1, row: 1, part: 1 }, unique: true } });
    expect(await indexes('event_log')).toMatchObject({ log_seq: { key: { log: 1, seq: 1 }, unique: true }, log_id: { key: { log: 1, id: 1 }, unique: true } });
    expect(await indexes('event_checkpoints')).toMatchObject({ log_id: { unique: true } });
    expect(await indexes('audit_log')).toMatchObject({ log_at_pos: { key: { log: 1, at: -1, pos: -1 }, unique: true } });
    expect(await indexes('client_ids')).toMatchObject({ doc_id: { unique: true } });
    expect(await indexes('asset_refs')).toMatchObject({ session_hash: { unique: true } });
    // A second process opening the same database creates them again, harmlessly.
    const second = await createMongoStore({ url: server.url, dbName });
    stores.push(second);
    await expect(second.ping()).resolves.toBeUndefined();
  });

  it('[MO1] names and ids with lone surrogates are refused: BSON would store both as U+FFFD', async () => {
    const { store } = await open();
    await expect(store.appendUpdates('a\ud800', [Uint8Array.of(1)])).rejects.toBeInstanceOf(TypeError);
    await expect(store.appendEvents('log', [{ sequence: 1, id: 'x\udc00', data: Uint8Array.of(1) }])).rejects.toBeInstanceOf(TypeError);
    await expect(store.addMember('s', { userId: '\ud83d', role: 'player', joinedAt: 1 })).rejects.toBeInstanceOf(TypeError);
    expect((await store.loadDoc('a\ufffd')).rows).toEqual([]);
    expect(await store.lastSequence('log')).toBe(0);
  });

  it('[MO5] a server out of reach: open rejects with StoreUnavailableError, and so does every call once the server is gone', async () => {
    await expect(createMongoStore({ url: 'mongodb://127.0.0.1:1/?replicaSet=rs0', dbName: 'x', serverSelectionTimeoutMS: 300 })).rejects.toBeInstanceOf(StoreUnavailableError);

    const doomed = await startJongodb();
    const store = await createMongoStore({ url: doomed.url, dbName: 'x', serverSelectionTimeoutMS: 300 });
    stores.push(store);
    await store.appendUpdates('room', [Uint8Array.of(1)]);
    await doomed.stop();
    await expect(store.loadDoc('room')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.appendUpdates('room', [Uint8Array.of(2)])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('[MO9][MO10] a server that stops answering on an open connection: a call rejects as unavailable once the socket timeout passes, a transaction once its 10 s of retries have; the store works again after', async () => {
    const server = await startJongodb();
    const u = new URL(server.url);
    // The gate answers `hello` with the proxy's address, so the driver stays on the proxy's path.
    const gate = await startMongoWireGate({ target: { host: u.hostname, port: Number(u.port) } });
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: 1 } });
    try {
      proxy.retarget({ host: '127.0.0.1', port: (await gate.front(proxy.address)).port });
      u.host = proxy.address;
      const store = await createMongoStore({ url: u.toString(), dbName: 'silent', socketTimeoutMS: 500 });
      stores.push(store);
      await store.appendUpdates('room', [Uint8Array.of(1)]);
      proxy.partition();
      const start = Date.now();
      await expect(store.appendUpdates('room', [Uint8Array.of(2)])).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - start).toBeLessThan(5_000);
      // [MO10] Two rows are one transaction: run again while its errors are transient (each a lost connection here), then given up.
      const started = Date.now();
      await expect(store.appendUpdates('room', [Uint8Array.of(4), Uint8Array.of(5)])).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(15_000);
      proxy.heal();
      await store.appendUpdates('room', [Uint8Array.of(3)]);
      expect((await store.loadDoc('room')).rows.map((r) => r.data[0])).toEqual(expect.arrayContaining([1, 3]));
    } finally {
      await proxy.close();
      await gate.close();
      await server.stop();
    }
  }, 60_000);

  it('[MO8] a standalone server is refused at open: transactions need a replica set', async () => {
    const standalone = await startJongodb({ standalone: true });
    try {
      await expect(createMongoStore({ url: standalone.url, dbName: 'x' })).rejects.toBeInstanceOf(MongoDeploymentError);
    } finally {
      await standalone.stop();
    }
  });
});
