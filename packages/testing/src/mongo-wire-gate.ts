/**
 * A gate in front of jongodb (see jongodb.ts) that makes the mongo-wire lane
 * usable by several processes at once, and by a proxy:
 *
 * 1. One transaction at a time. jongodb loses committed writes when
 *    transactions overlap — of 900 rows inserted by three clients in
 *    concurrent two-row transactions, 870 were there afterwards, and fewer
 *    still with single inserts running beside them (mongo-wire-gate.test.ts
 *    shows it). MongoDB isolates transactions; jongodb does not. The gate
 *    holds every other session's messages while a transaction runs (from its
 *    `startTransaction` until the answer to its commit or abort, or 5 s of
 *    silence), so what the store acknowledged is what it keeps. A client
 *    that dies keeps its link to jongodb until what it sent is answered (5 s
 *    at most): its commit may still be running there, and jongodb loses
 *    writes made beside a commit.
 * 2. The address it answers with. The driver learns a replica set's members
 *    from `hello` (`me`, `hosts`, `primary`) and connects to those, going
 *    around anything in between; the gate writes the address a front
 *    advertises into those answers, so a client stays on the path it was
 *    given — a fault proxy's, say.
 *
 * It reads OP_MSG (and the legacy OP_QUERY/OP_REPLY handshake) frames and
 * passes every byte through unchanged, but for the address in `hello`.
 * Not for real MongoDB, which needs neither.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { BSON, type Document } from 'bson';
import type { Endpoint } from './fault-proxy.ts';

const OP_REPLY = 1;
const OP_MSG = 2013;
/** A transaction silent this long is taken as abandoned (its client died or was cut off): aborted, and the others may go on. */
const ABANDONED_MS = 5_000;
const RAW = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true } as const;

export interface MongoWireGate {
  /**
   * Opens a front: a port that forwards to jongodb through the gate and
   * answers `hello` with `advertise` (default: the front's own address).
   */
  front(advertise?: string): Promise<{ readonly address: string; readonly port: number }>;
  close(): Promise<void>;
}

/** An OP_MSG of one body section (flags 0), as a driver sends it; `responseTo` set for an answer. */
export function encodeOpMsg(requestId: number, body: Document, responseTo = 0): Buffer {
  const bytes = Buffer.from(BSON.serialize(body));
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + bytes.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_MSG, 12);
  return Buffer.concat([header, bytes]);
}

/** Splits a byte stream into wire-protocol messages (each starts with its int32 length). */
export function framer(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let buffered: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readInt32LE(0);
      if (buffered.length < length) return;
      onMessage(buffered.subarray(0, length));
      buffered = buffered.subarray(length);
    }
  };
}

/** The body (section 0) of an OP_MSG, and where it sits. */
function opMsgBody(message: Buffer): { doc: Document; start: number; end: number } | null {
  if (message.readInt32LE(12) !== OP_MSG) return null;
  let at = 20;
  while (at < message.length) {
    const kind = message[at]!;
    if (kind === 0) {
      const size = message.readInt32LE(at + 1);
      return { doc: BSON.deserialize(message.subarray(at + 1, at + 1 + size), RAW), start: at + 1, end: at + 1 + size };
    }
    at += 1 + message.readInt32LE(at + 1);
  }
  return null;
}

const OP_QUERY = 2004;
/** What a driver sends to open a connection: it reads nothing and writes nothing, so it need not wait for a transaction. */
const HANDSHAKE = new Set(['hello', 'isMaster', 'ismaster', 'saslStart', 'saslContinue', 'ping', 'buildInfo', 'buildinfo']);

/**
 * Whether `message` opens a connection rather than using one: held behind a
 * transaction, it would deadlock a transaction whose next request needs a new
 * connection while every pooled one waits for it to end.
 */
function isHandshake(message: Buffer): boolean {
  if (message.readInt32LE(12) === OP_QUERY) return true;
  const body = opMsgBody(message);
  const command = body === null ? undefined : Object.keys(body.doc)[0];
  return command !== undefined && HANDSHAKE.has(command);
}

function transactionKey(doc: Document): string | null {
  if (doc.txnNumber === undefined || doc.lsid === undefined) return null;
  const id = (doc.lsid as { id?: { toString(encoding: string): string } }).id;
  return `${id?.toString('hex') ?? ''}:${String(doc.txnNumber)}`;
}

export async function startMongoWireGate(options: { readonly target: Endpoint }): Promise<MongoWireGate> {
  const real = `${options.target.host}:${options.target.port}`;
  const realBytes = Buffer.from(real);
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  /** The transaction running, and the connections waiting for it to end. */
  let owner: {
    key: string;
    lsid: unknown;
    txnNumber: unknown;
    lastSeen: number;
    /** The request id of its commit or abort (-1: the gate's own abort), and the connection it went on: ids are per client. */
    endRequest: number | null;
    endOn: Map<number, number> | null;
  } | null = null;
  const waiting: Array<() => void> = [];
  let sweeper: NodeJS.Timeout | null = null;
  /**
   * Requests sent to jongodb and not answered yet, all connections together:
   * a transaction starts only once there are none. One unanswered for
   * ABANDONED_MS no longer counts — jongodb has been seen never to answer a
   * request (the first insert of a transaction after a SIGKILLed client's),
   * and one hung request must not stop every other transaction.
   */
  let inFlight = 0;
  const connections = new Set<Map<number, number>>();
  const expire = setInterval(() => {
    const cutoff = Date.now() - ABANDONED_MS;
    let freed = false;
    for (const sent of connections) {
      for (const [id, at] of sent) {
        if (at >= cutoff) continue;
        sent.delete(id);
        inFlight--;
        freed = true;
      }
    }
    if (freed && inFlight === 0) wake();
  }, 500);
  expire.unref();
  const wake = () => {
    for (const pump of waiting.splice(0)) pump();
  };

  const release = () => {
    owner = null;
    if (sweeper !== null) clearInterval(sweeper);
    sweeper = null;
    wake();
  };

  /**
   * A transaction whose client died or went silent: jongodb would keep it
   * open and hold up the writes of everyone else, where MongoDB would not
   * (and would abort it once its lifetime ran out). The gate aborts it, then
   * lets the others go on.
   */
  const abandon = () => {
    if (owner === null) return;
    const abandoned = owner;
    const { lsid, txnNumber } = abandoned;
    abandoned.endRequest = -1;
    const abort = encodeOpMsg(0x7fff0000, { abortTransaction: 1, lsid, txnNumber, autocommit: false, $db: 'admin' });
    const socket = connect(options.target.port, options.target.host);
    sockets.add(socket);
    const done = () => {
      sockets.delete(socket);
      socket.destroy();
      // Its connection may have closed (and released it) meanwhile, and another transaction begun: that one is not this abort's to end.
      if (owner === abandoned) release();
    };
    socket.setTimeout(2_000, done);
    socket.once('error', done);
    socket.once('data', done);
    socket.once('connect', () => socket.write(abort));
  };

  /** Rewrites the real address to `advertise` in a `hello` answer's member fields. */
  const rewrite = (doc: Document, advertise: string): boolean => {
    let changed = false;
    const swap = (v: unknown) => (v === real ? ((changed = true), advertise) : v);
    for (const field of ['me', 'primary']) if (doc[field] !== undefined) doc[field] = swap(doc[field]);
    for (const field of ['hosts', 'passives', 'arbiters']) if (Array.isArray(doc[field])) doc[field] = (doc[field] as unknown[]).map(swap);
    return changed;
  };

  const answer = (message: Buffer, advertise: string): Buffer => {
    if (message.indexOf(realBytes) < 0) return message;
    const opCode = message.readInt32LE(12);
    if (opCode === OP_MSG) {
      const body = opMsgBody(message)!;
      if (!rewrite(body.doc, advertise)) return message;
      const bytes = Buffer.from(BSON.serialize(body.doc));
      const out = Buffer.concat([message.subarray(0, body.start), bytes, message.subarray(body.end)]);
      out.writeInt32LE(out.length, 0);
      return out;
    }
    if (opCode === OP_REPLY) {
      // header 16, flags 4, cursor id 8, starting from 4, number returned 4, then the documents.
      const docs: Buffer[] = [];
      for (let at = 36; at < message.length; ) {
        const size = message.readInt32LE(at);
        const doc = BSON.deserialize(message.subarray(at, at + size), RAW);
        rewrite(doc, advertise);
        docs.push(Buffer.from(BSON.serialize(doc)));
        at += size;
      }
      const out = Buffer.concat([message.subarray(0, 36), ...docs]);
      out.writeInt32LE(out.length, 0);
      return out;
    }
    return message;
  };

  const serve = (client: Socket, advertise: () => string): void => {
    const upstream = connect(options.target.port, options.target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    /** This connection's requests in order; one held back holds back those behind it. */
    const queue: Buffer[] = [];
    /** Its requests still waiting for an answer (request ids are per client, so counted per connection). */
    const sent = new Map<number, number>();
    connections.add(sent);
    let mine: string | null = null;
    /** The client is gone; the upstream stays until what it sent is answered (`drained`). */
    let closed = false;
    let drained = false;
    let drainTimer: NodeJS.Timeout | null = null;
    const pump = (): void => {
      // A connection closed while it waited: what it had queued is never sent, or it would count as in flight for good.
      while (queue.length > 0 && !closed) {
        const message = queue[0]!;
        const body = message.indexOf('txnNumber') >= 0 ? opMsgBody(message) : null;
        const key = body === null ? null : transactionKey(body.doc);
        const starts = owner === null && key !== null && body!.doc.startTransaction === true;
        if (((owner !== null && owner.key !== key) || (starts && inFlight > 0)) && !(key === null && isHandshake(message))) {
          // Another session's transaction runs, or (for a transaction about to start) a request of someone else's: wait for its end.
          waiting.push(pump);
          return;
        }
        if (starts) {
          owner = { key, lsid: body!.doc.lsid, txnNumber: body!.doc.txnNumber, lastSeen: Date.now(), endRequest: null, endOn: null };
          sweeper = setInterval(() => {
            if (owner !== null && owner.endRequest === null && Date.now() - owner.lastSeen > ABANDONED_MS) abandon();
          }, 500);
          sweeper.unref();
        }
        if (owner !== null && owner.key === key && owner.endRequest !== -1) {
          owner.lastSeen = Date.now();
          mine = key;
          if (body!.doc.commitTransaction !== undefined || body!.doc.abortTransaction !== undefined) {
            owner.endRequest = message.readInt32LE(4);
            owner.endOn = sent;
          }
        }
        queue.shift();
        // OP_MSG's moreToCome flag: no answer follows.
        if (!(message.readInt32LE(12) === OP_MSG && (message.readUInt32LE(16) & 2) !== 0) && !sent.has(message.readInt32LE(4))) {
          sent.set(message.readInt32LE(4), Date.now());
          inFlight++;
        }
        upstream.write(message);
      }
    };
    client.on(
      'data',
      framer((message) => {
        queue.push(Buffer.from(message));
        if (queue.length === 1) pump();
      }),
    );
    upstream.on(
      'data',
      framer((message) => {
        const answered = message.readInt32LE(8);
        if (!closed) client.write(answer(message, advertise()));
        if (owner !== null && owner.endOn === sent && answered === owner.endRequest) release();
        if (sent.delete(answered) && --inFlight === 0) wake();
        if (closed && sent.size === 0) drain();
      }),
    );
    /**
     * Done with the upstream: what it still owes is never answered. Until
     * then a dead client's commit may still be running in jongodb, and the
     * others must not write beside it (jongodb would lose their writes).
     */
    const drain = () => {
      if (drained) return;
      drained = true;
      if (drainTimer !== null) clearTimeout(drainTimer);
      client.destroy();
      upstream.destroy();
      inFlight -= sent.size;
      sent.clear();
      connections.delete(sent);
      if (owner !== null && owner.endOn === sent) release();
      else if (owner !== null && owner.key === mine && owner.endRequest === null) abandon();
      else wake();
    };
    client.on('close', () => {
      closed = true;
      queue.length = 0;
      // A client gone in the middle of its transaction leaves it open: aborted, and the others go on.
      if (owner !== null && owner.key === mine && owner.endRequest === null) abandon();
      if (sent.size === 0) drain();
      else drainTimer = setTimeout(drain, ABANDONED_MS);
    });
    upstream.on('close', drain);
  };

  return {
    async front(advertise) {
      let address = '';
      const server = createServer((client) => serve(client, () => advertise ?? address));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      address = `127.0.0.1:${port}`;
      servers.push(server);
      return { address, port };
    },
    async close() {
      clearInterval(expire);
      release();
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}
