import type { Awareness } from 'y-protocols/awareness';
import type { Point } from './geometry.ts';

/**
 * What each participant shows the others of themselves, as the table
 * document's awareness state (memory only, never stored). Positions are in
 * cells. Everyone in the table room receives it: nothing GM-only goes here.
 */
export interface Presence {
  readonly user: { readonly id: string; readonly name: string; readonly color: string; readonly gm: boolean };
  readonly cursor: Point | null;
  /** A token being dragged: where it is now, and where it started. */
  readonly drag: { readonly tokenId: string; readonly at: Point; readonly from: Point } | null;
  readonly selection: readonly string[];
  /** The last ping; `id` tells a new ping from the same one seen again. */
  readonly ping: { readonly id: string; readonly at: Point } | null;
  /** A measurement with the ruler tool. */
  readonly ruler: { readonly from: Point; readonly to: Point } | null;
}

/** Reads a peer's state defensively: awareness carries whatever a peer sent. */
export function readPresence(state: Readonly<Record<string, unknown>> | undefined): Presence | null {
  const user = state?.user as Presence['user'] | undefined;
  if (typeof user !== 'object' || user === null || typeof user.id !== 'string' || typeof user.name !== 'string') return null;
  const point = (v: unknown): Point | null => {
    const p = v as Point | null | undefined;
    return typeof p === 'object' && p !== null && Number.isFinite(p.x) && Number.isFinite(p.y) ? { x: p.x, y: p.y } : null;
  };
  const drag = state?.drag as { tokenId?: unknown; at?: unknown; from?: unknown } | null | undefined;
  const dragAt = point(drag?.at);
  const dragFrom = point(drag?.from);
  const ping = state?.ping as { id?: unknown; at?: unknown } | null | undefined;
  const pingAt = point(ping?.at);
  const ruler = state?.ruler as { from?: unknown; to?: unknown } | null | undefined;
  const rulerFrom = point(ruler?.from);
  const rulerTo = point(ruler?.to);
  return {
    user: { id: user.id, name: user.name, color: typeof user.color === 'string' ? user.color : '#9aa5b1', gm: user.gm === true },
    cursor: point(state?.cursor),
    drag: drag && typeof drag.tokenId === 'string' && dragAt && dragFrom ? { tokenId: drag.tokenId, at: dragAt, from: dragFrom } : null,
    selection: Array.isArray(state?.selection) ? (state.selection as unknown[]).filter((s): s is string => typeof s === 'string') : [],
    ping: ping && typeof ping.id === 'string' && pingAt ? { id: ping.id, at: pingAt } : null,
    ruler: rulerFrom && rulerTo ? { from: rulerFrom, to: rulerTo } : null,
  };
}

/** At most this often a participant's presence goes out (25 Hz): live enough for a drag, well under the server's awareness rate. */
const MIN_INTERVAL_MS = 40;

/**
 * Publishes this participant's presence: changes are merged and sent at most
 * every 40 ms, and at once when `flush` is asked for (a drop, a ping), so a
 * drag streams smoothly and its end is never late.
 */
export class PresencePublisher {
  readonly #awareness: Awareness;
  #pending: Partial<Presence> = {};
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastSent = 0;

  constructor(awareness: Awareness, user: Presence['user']) {
    this.#awareness = awareness;
    const initial: Presence = { user, cursor: null, drag: null, selection: [], ping: null, ruler: null };
    awareness.setLocalState(initial);
  }

  publish(patch: Partial<Presence>, options: { flush?: boolean } = {}): void {
    this.#pending = { ...this.#pending, ...patch };
    const wait = this.#lastSent + MIN_INTERVAL_MS - Date.now();
    if (options.flush || wait <= 0) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), wait);
  }

  #send(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#lastSent = Date.now();
    const current = this.#awareness.getLocalState();
    if (current === null) return;
    this.#awareness.setLocalState({ ...current, ...this.#pending });
    this.#pending = {};
  }

  /** Stops sending; the awareness itself goes with the client. */
  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
