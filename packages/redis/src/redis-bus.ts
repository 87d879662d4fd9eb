import { randomUUID } from 'node:crypto';
import {
  type BusChannel,
  type BusHandler,
  type BusMessage,
  type CommandTimer,
  type RoomBus,
  type SubscribeOptions,
  type Unsubscribe,
  callHandlers,
  channelKey,
  channelOf,
} from '@dungeon-lab/server';
import { RESP_TYPES } from 'redis';
import {
  type AwarenessEnvelope,
  type Envelope,
  type StreamId,
  DecodeError,
  compareStreamIds,
  decodeAwareness,
  decodeEntry,
  encodeAwareness,
  encodeEntry,
  formatStreamId,
  parseStreamId,
  streamIdAt,
} from './bus-codec.ts';
import { closeRedis, IdleLoop, type RedisConnection, openSibling } from './connection.ts';
import { MalformedEntryError, RedisBusError } from './errors.ts';
import { timed } from './timed.ts';

/** Reports a failure: a handler's (with the message it was given) or the bus's own (null). */
export type RedisBusErrorReporter = (err: unknown, message: BusMessage | null) => void;

export interface RedisBusOptions {
  /** A connected client: the bus publishes on it and makes its own reader and subscriber connections from it; the caller closes it after the bus. */
  readonly client: RedisConnection;
  /** Prefix of every key and channel ([RS1]); deployments sharing one Redis use different ones. Default `dl`. */
  readonly prefix?: string;
  /** This process's id on the bus ([BUS3]); a random UUID by default. */
  readonly process?: string;
  readonly onError?: RedisBusErrorReporter;
  /** Entries a channel's stream keeps, about (`MAXLEN ~`): the tail a late subscriber can replay ([RS2]). Default 10,000. */
  readonly maxLen?: number;
  /**
   * How far the subscriber's clock may be ahead of Redis's: a subscription
   * reads from this long before it was made, so nothing published after it
   * is lost to clock skew ([RS3]). Default 1,000 ms.
   */
  readonly clockSkewMs?: number;
  /** How long an awareness update waits at most for the stream message its publisher sent before it, when nobody can tell where that is ([RS5]). Default 5,000 ms. */
  readonly awarenessHoldMs?: number;
  /**
   * A publish whose message has not come back from Redis after this long
   * resolves anyway, reported ([RS4]): a caller awaiting it (the sequencer
   * awaits its notices) must not wait forever on a Redis that is gone, or
   * for an entry trimmed before it was read. Default 10 s.
   */
  readonly echoTimeoutMs?: number;
  /** Hears how long each command took (the server's `commandTimer(registry, 'redis')`); none by default. */
  readonly timer?: CommandTimer;
}

/** Entries one XREAD returns per stream, at most: a busy room cannot starve the others for long. */
const READ_COUNT = 1000;
/** A blocked read ends after this long with nothing; a new subscription wakes it at once (CLIENT UNBLOCK), so this only bounds a lost wake-up. */
const BLOCK_MS = 2000;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2000;
const BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;


interface Subscription {
  readonly channelKey: string;
  readonly handler: BusHandler;
  /** The last stream id delivered to it (or where it starts): entries up to it are not its. */
  after: StreamId;
  /** The reader pass during which it subscribed: that pass's read may have started past `after`, so it waits for the next. */
  readonly since: number;
}

/** One channel this process subscribes to: its stream and where the reader is in it. */
interface Channel {
  readonly channel: BusChannel;
  readonly stream: string;
  /** The pub/sub channel of its awareness (rooms only). */
  readonly awareness: string | null;
  /** The XREAD cursor: the last id read, or lowered for a subscription that starts earlier. */
  cursor: StreamId;
  /** How far the reader has read this stream, never lowered: an entry at or before it that was not read came before the channel's first subscription. */
  readTo: StreamId;
  readonly subscriptions: Set<Subscription>;
  /** Per publishing process: the number of its last stream message read here, and its awareness waiting for earlier stream messages. */
  readonly peers: Map<string, PeerOrder>;
  /** This process's messages on the channel not yet back from Redis, by number, in publish order: their `publish` resolves when they are handled ([BUS7]). */
  readonly pending: Map<number, { readonly resolve: () => void; readonly at: number }>;
}

/** This process's messages on one channel: the number of the last, of the last stream one, and the stream id Redis gave the last one acknowledged. */
interface Published {
  number: number;
  streamNumber: number;
  acked: { readonly number: number; readonly id: StreamId } | null;
}

interface PeerOrder {
  streamNumber: number;
  readonly held: Array<{ readonly envelope: AwarenessEnvelope; readonly message: BusMessage; readonly timer: ReturnType<typeof setTimeout> }>;
}

/** Where failures go when nobody said: the process's stderr, never silence. */
const printError: RedisBusErrorReporter = (err) => console.error('redis bus:', err);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The room bus across processes on one Redis ([RS1]..[RS6] in
 * docs/architecture.md). Room and session messages go on a stream per
 * channel; one blocking XREAD on a connection of its own reads every
 * subscribed stream and fans out to this process's handlers; awareness goes
 * on pub/sub. A process hears its own messages back from Redis like
 * everyone else's, never by a local shortcut: every process sees a channel's
 * stream in one order ([RS2]), and what a handler is given is what Redis has.
 */
export class RedisBus implements RoomBus {
  readonly process: string;
  readonly #client: RedisConnection;
  readonly #reader: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #prefix: string;
  readonly #report: RedisBusErrorReporter;
  readonly #maxLen: number;
  readonly #clockSkewMs: number;
  readonly #holdMs: number;
  readonly #echoTimeoutMs: number;
  readonly #timer: CommandTimer | undefined;
  /** Subscribed channels by channel key. */
  readonly #channels = new Map<string, Channel>();
  /** By stream key, for the reader's replies. */
  readonly #byStream = new Map<string, Channel>();
  /** By awareness pub/sub channel, for the subscriber's messages. */
  readonly #byAwareness = new Map<string, Channel>();
  /** Per channel key: the number of this process's last message there, and of its last stream message. */
  readonly #published = new Map<string, Published>();
  #closed = false;
  /** Counts reader passes; a wake-up belongs to one. */
  #pass = 0;
  #blocked = false;
  #waking = false;
  /** `CLIENT ID` of the reader's current connection; null until asked again after a reconnect. */
  #readerId: string | null = null;
  readonly #idle = new IdleLoop();
  readonly #loop: Promise<void>;
  readonly #echoTimer: ReturnType<typeof setInterval>;

  private constructor(options: RedisBusOptions, reader: RedisConnection, subscriber: RedisConnection) {
    this.#client = options.client;
    this.#reader = reader;
    this.#subscriber = subscriber;
    this.process = options.process ?? randomUUID();
    this.#prefix = options.prefix ?? 'dl';
    this.#report = options.onError ?? printError;
    this.#maxLen = options.maxLen ?? 10_000;
    this.#clockSkewMs = options.clockSkewMs ?? 1000;
    this.#holdMs = options.awarenessHoldMs ?? 5_000;
    this.#echoTimeoutMs = options.echoTimeoutMs ?? 10_000;
    this.#timer = options.timer;
    // A reconnected reader is another client to CLIENT UNBLOCK.
    reader.on('ready', () => (this.#readerId = null));
    this.#loop = this.#read();
    this.#echoTimer = setInterval(() => this.#expireEchoes(), Math.min(1_000, this.#echoTimeoutMs / 2));
    this.#echoTimer.unref();
  }

  /** Opens the reader and subscriber connections (duplicates of `client`) and starts reading. */
  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    const report = options.onError ?? printError;
    const open = (role: string) => openSibling(options.client, `dl-bus-${role}`, (err) => report(new RedisBusError(`${role} connection: ${String(err)}`, { cause: err }), null));
    const [reader, subscriber] = await Promise.all([open('reader'), open('subscriber')]);
    return new RedisBus(options, reader, subscriber);
  }

  publish(message: BusMessage): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const channel = channelOf(message);
    const key = channelKey(channel);
    const published = this.#published.get(key) ?? { number: 0, streamNumber: 0, acked: null };
    this.#published.set(key, published);
    const number = ++published.number;
    const local = this.#channels.get(key);
    const handled = local === undefined ? Promise.resolve() : new Promise<void>((resolve) => local.pending.set(number, { resolve, at: Date.now() }));
    if (message.kind === 'awareness') {
      const { streamNumber, acked } = published;
      const frame = encodeAwareness(message.update, { process: this.process, number, after: streamNumber, afterId: acked?.number === streamNumber ? acked.id : null });
      // At most once, like pub/sub itself ([RS5]): presence is renewed every 15 s anyway.
      timed(this.#timer, 'PUBLISH', () => this.#client.publish(this.#awarenessChannel(message.room), frame)).catch((err: unknown) => this.#lost(message, key, local, number, err));
    } else {
      published.streamNumber = number;
      this.#append(message, channel, number, Date.now(), local, published);
    }
    return handled;
  }

  /**
   * XADDs one message. A room's message whose XADD failed (Redis went away
   * with it unanswered) is sent again until `echoTimeoutMs` has passed: a
   * Yjs update or a `saved` lost would leave the other processes' documents
   * behind, while one that arrives late or twice merges the same ([RS4]). A
   * session's message is not: a notice or a role change must not overtake
   * the ones published after it, so it is reported lost.
   */
  #append(message: Exclude<BusMessage, { kind: 'awareness' }>, channel: BusChannel, number: number, since: number, local: Channel | undefined, published: Published): void {
    const key = channelKey(channel);
    timed(this.#timer, 'XADD', () =>
      this.#client.xAdd(this.#streamKey(channel), '*', encodeEntry(message, { process: this.process, number }), {
        TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: this.#maxLen },
      }),
    )
      .then((reply) => {
        const id = parseStreamId(reply);
        if (id !== null && number > (published.acked?.number ?? 0)) published.acked = { number, id };
      })
      .catch((err: unknown) => {
        if (channel.kind !== 'room' || this.#closed || Date.now() - since >= this.#echoTimeoutMs) {
          this.#lost(message, key, local, number, err);
          return;
        }
        this.#report(new RedisBusError(`publishing ${message.kind} on ${key} failed; sending it again`, { cause: err }), message);
        setTimeout(() => this.#append(message, channel, number, since, local, published), RETRY_MIN_MS);
      });
  }

  /** Never a rejection ([BUS5]): the message is lost to every process, which is reported, and its publish resolves. */
  #lost(message: BusMessage, key: string, local: Channel | undefined, number: number, err: unknown): void {
    this.#report(new RedisBusError(`publishing ${message.kind} on ${key} failed`, { cause: err }), message);
    this.#settle(local, number);
  }

  #settle(state: Channel | undefined, number: number): void {
    const pending = state?.pending.get(number);
    if (pending === undefined) return;
    state!.pending.delete(number);
    pending.resolve();
  }

  /** Resolves the publishes that waited longer than `echoTimeoutMs` for their message to come back ([BUS5]: reported, never rejected). */
  #expireEchoes(): void {
    const before = Date.now() - this.#echoTimeoutMs;
    for (const state of this.#channels.values()) {
      // Oldest first: the scan stops at the first one still in time.
      for (const [number, { at }] of state.pending) {
        if (at > before) break;
        this.#report(new RedisBusError(`message ${number} on ${channelKey(state.channel)} did not come back from Redis within ${this.#echoTimeoutMs} ms`), null);
        this.#settle(state, number);
      }
    }
  }

  subscribe(channel: BusChannel, handler: BusHandler, options: SubscribeOptions = {}): Unsubscribe {
    if (this.#closed) return () => {};
    const key = channelKey(channel);
    let state = this.#channels.get(key);
    if (state === undefined) {
      state = {
        channel,
        stream: this.#streamKey(channel),
        awareness: channel.kind === 'room' ? this.#awarenessChannel(channel.room) : null,
        cursor: streamIdAt(Date.now()),
        readTo: streamIdAt(Date.now()),
        subscriptions: new Set(),
        peers: new Map(),
        pending: new Map(),
      };
      this.#channels.set(key, state);
      this.#byStream.set(state.stream, state);
      if (state.awareness !== null) this.#listenAwareness(state.awareness, state);
    }
    // From a little before now ([RS3]), or further back for a replay ([BUS8]); XREAD returns ids after the cursor, so an entry of this very millisecond needs the one before.
    const after = streamIdAt(Date.now() - this.#clockSkewMs - (options.replayMs ?? 0) - 1);
    const subscription: Subscription = { channelKey: key, handler, after, since: this.#pass };
    if (compareStreamIds(after, state.cursor) < 0) state.cursor = after;
    // The channel's first subscription: nothing before where it starts will be read.
    if (state.subscriptions.size === 0) state.readTo = after;
    state.subscriptions.add(subscription);
    this.#wake();
    const owner = state;
    return () => {
      if (!owner.subscriptions.delete(subscription) || owner.subscriptions.size > 0) return;
      this.#drop(owner);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#echoTimer);
    for (const state of [...this.#channels.values()]) this.#drop(state);
    this.#idle.wake();
    // The reader is blocked in XREAD: its connection is cut, not asked to quit.
    if (this.#reader.isOpen) this.#reader.destroy();
    await this.#loop;
    await closeRedis(this.#subscriber);
  }

  #streamKey(channel: BusChannel): string {
    return channel.kind === 'room' ? `${this.#prefix}:room:${channel.room}` : `${this.#prefix}:session:${channel.sessionId}`;
  }

  #awarenessChannel(room: string): string {
    return `${this.#prefix}:aw:${room}`;
  }

  #drop(state: Channel): void {
    state.subscriptions.clear();
    const key = channelKey(state.channel);
    if (this.#channels.get(key) !== state) return;
    this.#channels.delete(key);
    this.#byStream.delete(state.stream);
    for (const peer of state.peers.values()) for (const { timer } of peer.held) clearTimeout(timer);
    for (const { resolve } of state.pending.values()) resolve();
    state.pending.clear();
    if (state.awareness !== null) {
      this.#byAwareness.delete(state.awareness);
      void this.#subscriber.unsubscribe(state.awareness).catch((err: unknown) => this.#report(new RedisBusError(`unsubscribing ${state.awareness}`, { cause: err }), null));
    }
  }

  #listenAwareness(name: string, state: Channel): void {
    this.#byAwareness.set(name, state);
    const listener = (data: Buffer) => {
      // The listener outlives a dropped channel until UNSUBSCRIBE lands.
      if (this.#byAwareness.get(name) !== state) return;
      let decoded;
      try {
        decoded = decodeAwareness(state.channel.kind === 'room' ? state.channel.room : '', data);
      } catch (err) {
        this.#report(new MalformedEntryError(name, 'pub/sub', err instanceof DecodeError ? err.message : String(err)), null);
        return;
      }
      this.#receiveAwareness(state, decoded.envelope, decoded.message);
    };
    void this.#subscriber.subscribe(name, listener, true).catch((err: unknown) => this.#report(new RedisBusError(`subscribing ${name}`, { cause: err }), null));
  }

  /** Delivered once the publisher's earlier stream messages are, or after `awarenessHoldMs` if they never come here ([RS5]). */
  #receiveAwareness(state: Channel, envelope: AwarenessEnvelope, message: BusMessage): void {
    const peer = this.#peer(state, envelope.process);
    if (peer.held.length === 0 && this.#caughtUp(state, peer, envelope)) {
      this.#deliver(state, envelope, message, null);
      return;
    }
    const timer = setTimeout(() => this.#releaseHeld(state, envelope.process, true), this.#holdMs);
    peer.held.push({ envelope, message, timer });
  }

  /**
   * Whether the stream message the publisher sent before this awareness has
   * been handled here: read, or — its id at or before where this process
   * began reading — never to be.
   */
  #caughtUp(state: Channel, peer: PeerOrder, envelope: AwarenessEnvelope): boolean {
    return peer.streamNumber >= envelope.after || (envelope.afterId !== null && compareStreamIds(envelope.afterId, state.readTo) <= 0);
  }

  /** Delivers, in order, the peer's held awareness whose earlier stream messages have been handled here; `all`: the rest too (one waited too long). */
  #releaseHeld(state: Channel, from: string, all: boolean): void {
    const peer = state.peers.get(from);
    if (peer === undefined || this.#channels.get(channelKey(state.channel)) !== state) return;
    while (peer.held.length > 0 && (all || this.#caughtUp(state, peer, peer.held[0]!.envelope))) {
      const next = peer.held.shift()!;
      clearTimeout(next.timer);
      // Waited for in vain (published before this process began reading): never waited for again.
      if (all && next.envelope.after > peer.streamNumber) peer.streamNumber = next.envelope.after;
      this.#deliver(state, next.envelope, next.message, null);
    }
  }

  #peer(state: Channel, from: string): PeerOrder {
    let peer = state.peers.get(from);
    if (peer === undefined) {
      peer = { streamNumber: 0, held: [] };
      state.peers.set(from, peer);
    }
    return peer;
  }

  /**
   * Hands a message to this process's subscriptions of the channel; with a
   * stream id, only to those that have not had it. One of this process's own
   * resolves its `publish` once handled ([BUS7]).
   */
  #deliver(state: Channel, envelope: Envelope, message: BusMessage, id: StreamId | null): void {
    const due: Subscription[] = [];
    for (const subscription of state.subscriptions) {
      if (id === null) {
        due.push(subscription);
      } else if (subscription.since < this.#pass && compareStreamIds(id, subscription.after) > 0) {
        subscription.after = id;
        due.push(subscription);
      }
    }
    const handled = callHandlers(due, message, envelope.process, this.#report);
    if (envelope.process === this.process) void handled.then(() => this.#settle(state, envelope.number));
  }

  /** Ends a blocked XREAD so the next one reads the new subscription's stream too ([RS3]); an idle reader just starts. */
  #wake(): void {
    if (this.#idle.waiting) {
      this.#idle.wake();
      return;
    }
    if (!this.#blocked || this.#waking) return;
    this.#waking = true;
    void this.#unblock(this.#pass).finally(() => (this.#waking = false));
  }

  /**
   * CLIENT UNBLOCK from the command connection. It may reach Redis before
   * the XREAD it is meant for (two sockets): then it answers 0 and is sent
   * again, until the read is unblocked or the pass has ended anyway.
   */
  async #unblock(pass: number): Promise<void> {
    for (let attempt = 0; attempt < 100 && this.#blocked && this.#pass === pass && !this.#closed; attempt++) {
      const id = this.#readerId;
      if (id !== null) {
        try {
          if ((await this.#client.sendCommand<number>(['CLIENT', 'UNBLOCK', id])) === 1) return;
        } catch (err) {
          this.#report(new RedisBusError('waking the reader failed', { cause: err }), null);
          return;
        }
      }
      await sleep(2);
    }
  }

  /** The one blocking read loop: every subscribed stream from its cursor; on an error, reported, again from the same cursors ([RS4]). */
  async #read(): Promise<void> {
    let retryMs = 0;
    while (!this.#closed) {
      if (this.#channels.size === 0) {
        await this.#idle.wait();
        continue;
      }
      try {
        this.#readerId ??= String(await this.#reader.sendCommand(['CLIENT', 'ID']));
        // Taken with the pass number in one turn: a subscription made from here on waits for the next pass.
        const channels = [...this.#channels.values()];
        this.#pass++;
        this.#blocked = true;
        const reply = await this.#reader.sendCommand(
          ['XREAD', 'COUNT', String(READ_COUNT), 'BLOCK', String(BLOCK_MS), 'STREAMS', ...channels.map((c) => c.stream), ...channels.map((c) => formatStreamId(c.cursor))],
          BUFFERS,
        );
        this.#blocked = false;
        retryMs = 0;
        this.#take(reply);
      } catch (err) {
        this.#blocked = false;
        if (this.#closed) return;
        this.#report(new RedisBusError('reading the bus streams failed; reading again from the last ids read', { cause: err }), null);
        retryMs = Math.min(Math.max(retryMs * 2, RETRY_MIN_MS), RETRY_MAX_MS);
        await sleep(retryMs);
      }
    }
  }

  /** One XREAD reply: each stream's entries, each checked on its own, so one bad entry costs only itself ([RS4]). */
  #take(reply: unknown): void {
    if (reply === null) return;
    if (!Array.isArray(reply)) {
      this.#report(new RedisBusError(`XREAD answered ${typeof reply}, not streams`), null);
      return;
    }
    for (const block of reply) {
      if (!Array.isArray(block) || block.length !== 2 || !Buffer.isBuffer(block[0]) || !Array.isArray(block[1])) {
        this.#report(new RedisBusError('XREAD answered a stream block of an unknown shape'), null);
        continue;
      }
      const state = this.#byStream.get(block[0].toString('utf8'));
      // Unsubscribed while the read was out.
      if (state === undefined) continue;
      for (const entry of block[1] as unknown[]) this.#takeEntry(state, entry);
      // Read further: awareness waiting for an id now passed goes out, whoever published it.
      for (const [from, peer] of state.peers) if (peer.held.length > 0) this.#releaseHeld(state, from, false);
      // A subscription made during this pass may start before where this read began: the next read goes back for it.
      for (const subscription of state.subscriptions) {
        if (subscription.since >= this.#pass && compareStreamIds(subscription.after, state.cursor) < 0) state.cursor = subscription.after;
      }
    }
  }

  #takeEntry(state: Channel, entry: unknown): void {
    const rawId: unknown = Array.isArray(entry) ? entry[0] : undefined;
    const idText = Buffer.isBuffer(rawId) ? rawId.toString('latin1') : '';
    const id = parseStreamId(idText);
    if (!Array.isArray(entry) || entry.length !== 2 || id === null) {
      // Without a valid id the cursor cannot move past it; Redis made every id it returns, so this is a reply damaged on the way.
      this.#report(new MalformedEntryError(state.stream, idText, 'no valid stream id'), null);
      return;
    }
    if (compareStreamIds(id, state.cursor) > 0) state.cursor = id;
    if (compareStreamIds(id, state.readTo) > 0) state.readTo = id;
    let decoded;
    try {
      decoded = decodeEntry(state.channel, entry[1]);
    } catch (err) {
      this.#report(new MalformedEntryError(state.stream, idText, err instanceof DecodeError ? err.message : String(err)), null);
      return;
    }
    const { envelope, message } = decoded;
    this.#deliver(state, envelope, message, id);
    const peer = this.#peer(state, envelope.process);
    if (envelope.number > peer.streamNumber) peer.streamNumber = envelope.number;
    if (peer.held.length > 0) this.#releaseHeld(state, envelope.process, false);
  }
}
