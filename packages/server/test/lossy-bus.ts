import type { BusChannel, BusHandler, BusMessage, RoomBus, SubscribeOptions, Unsubscribe } from '../src/bus/room-bus.ts';

export interface Losses {
  /** Every message from another process reaches this one this much later: updates in flight, as on Redis. */
  readonly delayMs?: number;
}

/**
 * A process's view of a real bus that loses or delays what it hears, for
 * the anti-entropy tests ([OR4]): publishing is the real bus's, so the
 * other processes hear everything this one sends.
 */
export class LossyBus implements RoomBus {
  readonly #bus: RoomBus;
  readonly #losses: Losses;
  /** Messages dropped so far, by kind. */
  readonly dropped = new Map<BusMessage['kind'], number>();
  /** Kinds of which the next message from another process is to be dropped. */
  readonly #dropNext = new Set<BusMessage['kind']>();

  constructor(bus: RoomBus, losses: Losses) {
    this.#bus = bus;
    this.#losses = losses;
  }

  get process(): string {
    return this.#bus.process;
  }

  /** This process will never hear the next message of `kind` another sends (a stream entry its reader missed, an XADD that never reached Redis). */
  dropNext(kind: BusMessage['kind']): void {
    this.#dropNext.add(kind);
  }

  publish(message: BusMessage): Promise<void> {
    return this.#bus.publish(message);
  }

  subscribe(channel: BusChannel, handler: BusHandler, options?: SubscribeOptions): Unsubscribe {
    return this.#bus.subscribe(
      channel,
      (message, from) => {
        if (from === this.process) return handler(message, from);
        if (this.#dropNext.delete(message.kind)) {
          this.dropped.set(message.kind, (this.dropped.get(message.kind) ?? 0) + 1);
          return;
        }
        const delayMs = this.#losses.delayMs ?? 0;
        if (delayMs === 0) return handler(message, from);
        setTimeout(() => void handler(message, from), delayMs);
      },
      options,
    );
  }

  close(): Promise<void> {
    return this.#bus.close();
  }
}
