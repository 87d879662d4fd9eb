import type { BusHandler, HolderHandler, HolderInbox, RoomBus, SessionLease } from '@dungeon-lab/server';
import type { Store } from '@dungeon-lab/store';

/**
 * A server "process" of the fuzz that can die. Several servers share one
 * Node process, so a crash cannot end the server's code; instead every way it
 * reaches the world goes through a fence, and a crashed server's fence never
 * answers again: its store calls, bus messages, lease calls and forwarded
 * requests hang forever, as they would for a process that is gone. A call
 * already running when it trips completes (a write in flight lands or not —
 * here it lands); nothing after the trip reaches the store or the peers.
 */
export class Fence {
  #tripped = false;

  get tripped(): boolean {
    return this.#tripped;
  }

  trip(): void {
    this.#tripped = true;
  }

  /** Never settles: what a dead process's pending call looks like to the code still holding it. */
  static never<T>(): Promise<T> {
    return new Promise<T>(() => {});
  }
}

/** Every method of `target` behind the fence: after the trip, a call returns a promise that never settles. */
function fenceMethods<T extends object>(target: T, fence: Fence, overrides: Partial<Record<PropertyKey, unknown>> = {}): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop];
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (fence.tripped ? Fence.never() : (value as (...a: unknown[]) => unknown).apply(t, args));
    },
  });
}

export function fencedStore(store: Store, fence: Fence): Store {
  return fenceMethods(store, fence);
}

export function fencedBus(bus: RoomBus, fence: Fence): RoomBus {
  return fenceMethods(bus, fence, {
    subscribe: (...[channel, handler, options]: Parameters<RoomBus['subscribe']>) => {
      // A dead process hears nothing more.
      const gated: BusHandler = (message, from) => (fence.tripped ? undefined : handler(message, from));
      return bus.subscribe(channel, gated, options);
    },
  });
}

export function fencedLease(lease: SessionLease, fence: Fence): SessionLease {
  return fenceMethods(lease, fence, {
    onLost: (listener: Parameters<SessionLease['onLost']>[0]) => lease.onLost(listener),
  });
}

export function fencedInbox(inbox: HolderInbox, fence: Fence): HolderInbox {
  return fenceMethods(inbox, fence, {
    serve: (sessionId: string, handler: HolderHandler) => {
      // Forwards reaching a dead holder are never answered: the forwarder times out ([IN3]) and takes over.
      const gated = ((request) => (fence.tripped ? Fence.never() : handler(request))) as HolderHandler;
      return inbox.serve(sessionId, gated);
    },
  });
}
