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

/**
 * The medium in-process buses share: the subscribers of every channel. One
 * server process has one; tests connect several buses to one hub to stand
 * for several processes.
 */
export class InProcessHub {
  readonly #channels = new Map<string, Set<HubSubscription>>();

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
    if (subscriptions === undefined) return RESOLVED;
    return callHandlers(subscriptions, message, from, report);
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

  /** `replayMs` is ignored: publishing is delivering here, so nothing was ever in flight to replay ([BUS8]). */
  subscribe(channel: BusChannel, handler: BusHandler, _options?: SubscribeOptions): Unsubscribe {
    const subscription: HubSubscription = { key: channelKey(channel), handler };
    this.#hub.add(subscription);
    this.#subscriptions.add(subscription);
    return () => {
      if (this.#subscriptions.delete(subscription)) this.#hub.remove(subscription);
    };
  }

  async close(): Promise<void> {
    for (const subscription of this.#subscriptions) this.#hub.remove(subscription);
    this.#subscriptions.clear();
  }
}
