import { randomUUID } from 'node:crypto';
import { type BusChannel, type BusHandler, type BusMessage, type RoomBus, type SubscribeOptions, type Unsubscribe, channelKey, channelOf } from './room-bus.ts';

/** Reports a handler that threw or rejected; the bus goes on delivering ([BUS5]). */
export type BusErrorReporter = (err: unknown, message: BusMessage) => void;

const RESOLVED = Promise.resolve();

/** One subscribe call: its own object, so the same handler subscribed twice is two subscriptions. */
export interface HubSubscription {
  readonly key: string;
  readonly handler: BusHandler;
}

export interface InProcessHubOptions {
  /**
   * How long the hub keeps each channel's messages for subscribers asking
   * for a replay ([BUS8]); 0 (the default) keeps none. One process needs
   * none — it has one room per name, subscribed before anything is published
   * to it. A hub standing for several processes needs it: a room loading on
   * one misses what another published after the load read the store and
   * before that process's own write landed.
   */
  readonly historyMs?: number;
  readonly now?: () => number;
}

interface HeldMessage {
  readonly at: number;
  readonly message: BusMessage;
  readonly from: string;
}

/**
 * The medium in-process buses share: the subscribers of every channel. One
 * server process has one; tests connect several buses to one hub to stand
 * for several processes.
 */
export class InProcessHub {
  readonly #channels = new Map<string, Set<HubSubscription>>();
  readonly #history = new Map<string, HeldMessage[]>();
  readonly #historyMs: number;
  readonly #now: () => number;

  constructor(options: InProcessHubOptions = {}) {
    this.#historyMs = options.historyMs ?? 0;
    this.#now = options.now ?? Date.now;
  }

  add(subscription: HubSubscription): void {
    let subscriptions = this.#channels.get(subscription.key);
    if (subscriptions === undefined) {
      subscriptions = new Set();
      this.#channels.set(subscription.key, subscriptions);
    }
    subscriptions.add(subscription);
  }

  remove(subscription: HubSubscription): void {
    const subscriptions = this.#channels.get(subscription.key);
    if (subscriptions?.delete(subscription) && subscriptions.size === 0) this.#channels.delete(subscription.key);
  }

  /**
   * Calls every handler of the channel in this turn, in subscription order;
   * the promise covers those that answered with one. A Set visits a handler
   * added during the walk and skips one removed before its turn, so a
   * subscriber that leaves while a message is being delivered gets no more.
   */
  deliver(key: string, message: BusMessage, from: string, report: BusErrorReporter): Promise<void> {
    const subscriptions = this.#channels.get(key);
    const delivered = subscriptions === undefined ? RESOLVED : callHandlers(subscriptions, message, from, report);
    // Held once every handler had it: a subscriber joining during the walk got it there, not again by replay.
    if (this.#historyMs > 0) this.#hold(key, { at: this.#now(), message, from });
    return delivered;
  }

  #hold(key: string, held: HeldMessage): void {
    let messages = this.#history.get(key);
    if (messages === undefined) {
      messages = [];
      this.#history.set(key, messages);
    }
    messages.push(held);
    const horizon = held.at - this.#historyMs;
    let old = 0;
    while (old < messages.length && messages[old]!.at < horizon) old++;
    if (old > 0) messages.splice(0, old);
  }

  /** Hands `subscription` the channel's held messages of the last `replayMs`, in publish order, in this turn ([BUS8]). */
  replay(subscription: HubSubscription, replayMs: number, report: BusErrorReporter): Promise<void> {
    const horizon = this.#now() - replayMs;
    const messages = (this.#history.get(subscription.key) ?? []).filter((m) => m.at >= horizon);
    const waiting = messages.map((m) => callHandlers([subscription], m.message, m.from, report));
    return Promise.all(waiting).then(() => undefined);
  }
}

/**
 * Calls each subscription's handler with `message` in this turn, in order;
 * one that throws or rejects is reported and keeps no other from its call
 * ([BUS5]). The promise covers the handlers that answered with one ([BUS7]).
 * Every bus delivers through it, so they agree on what a failing handler does.
 */
export function callHandlers(subscriptions: Iterable<{ readonly handler: BusHandler }>, message: BusMessage, from: string, report: BusErrorReporter): Promise<void> {
  let waiting: Promise<void>[] | null = null;
  for (const { handler } of subscriptions) {
    try {
      const done = handler(message, from);
      if (done !== undefined) (waiting ??= []).push(done.catch((err: unknown) => report(err, message)));
    } catch (err) {
      report(err, message);
    }
  }
  return waiting === null ? RESOLVED : Promise.all(waiting).then(() => undefined);
}

export interface InProcessBusOptions {
  /** Shared with the buses of the other "processes" of a test; a fresh one by default. */
  readonly hub?: InProcessHub;
  /** This bus's process id ([BUS3]); a random UUID by default. */
  readonly process?: string;
  readonly onError?: BusErrorReporter;
}

/**
 * The default bus: subscribers of this process (and of any bus on the same
 * hub) are called synchronously inside `publish`, so a single process costs
 * one function call per subscriber and behaves exactly as if rooms told
 * their sockets directly.
 */
export class InProcessBus implements RoomBus {
  readonly process: string;
  readonly #hub: InProcessHub;
  readonly #report: BusErrorReporter;
  readonly #subscriptions = new Set<HubSubscription>();

  constructor(options: InProcessBusOptions = {}) {
    this.#hub = options.hub ?? new InProcessHub();
    this.process = options.process ?? randomUUID();
    this.#report = options.onError ?? ((err) => console.error('room bus handler failed', err));
  }

  publish(message: BusMessage): Promise<void> {
    return this.#hub.deliver(channelKey(channelOf(message)), message, this.process, this.#report);
  }

  /** `replayMs` replays what the hub holds ([BUS8]), before any later message: see `InProcessHubOptions.historyMs`. */
  subscribe(channel: BusChannel, handler: BusHandler, options?: SubscribeOptions): Unsubscribe {
    const subscription: HubSubscription = { key: channelKey(channel), handler };
    this.#hub.add(subscription);
    this.#subscriptions.add(subscription);
    if ((options?.replayMs ?? 0) > 0) void this.#hub.replay(subscription, options!.replayMs!, this.#report);
    return () => {
      if (this.#subscriptions.delete(subscription)) this.#hub.remove(subscription);
    };
  }

  async close(): Promise<void> {
    for (const subscription of this.#subscriptions) this.#hub.remove(subscription);
    this.#subscriptions.clear();
  }
}
