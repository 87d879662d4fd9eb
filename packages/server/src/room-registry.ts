import type { ResolvedOptions } from './options.ts';
import { Room } from './room.ts';
import { guarded } from './boundary.ts';

/** Rooms flushed, compacted and unloaded at the same time, at most. */
const EVICTION_SLOTS = 4;

interface Entry {
  room: Room | null;
  loading: Promise<Room>;
  refs: number;
  evictTimer: ReturnType<typeof setTimeout> | null;
  evicting: Promise<void> | null;
}

/**
 * Loaded rooms by name. A room is loaded from the store once, before anyone
 * may sync with it ([P5]); it stays while referenced and is flushed and
 * dropped `evictAfterMs` after its last reference goes.
 */
export class RoomRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly opts: ResolvedOptions;
  private closed = false;
  /**
   * Rooms whose eviction delay ran out, waiting for one of the few eviction
   * slots. When a crowd leaves together (a convention's tables closing, a
   * network blip) their rooms come due together; flushing and compacting them
   * all at once would stall the rooms still playing.
   */
  private readonly dueForEviction: Array<{ name: string; entry: Entry }> = [];
  private evictionsRunning = 0;

  /** Runs after a room loads and before anyone may sync with it (event-log recovery). */
  afterLoad: ((room: Room) => Promise<void>) | null = null;

  constructor(opts: ResolvedOptions) {
    this.opts = opts;
  }

  isLoaded(name: string): boolean {
    return this.entries.has(name);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Loaded rooms, for metrics. */
  rooms(): Room[] {
    const out: Room[] = [];
    for (const e of this.entries.values()) if (e.room !== null) out.push(e.room);
    return out;
  }

  /**
   * The room if it is loaded (not loading, not being evicted), referenced
   * like `acquire` does; null otherwise. Never waits: safe to call from code
   * a loading room is itself waiting for.
   */
  acquireLoaded(name: string): Room | null {
    const entry = this.entries.get(name);
    if (entry?.room == null || entry.evicting !== null || this.closed) return null;
    entry.refs++;
    if (entry.evictTimer !== null) {
      clearTimeout(entry.evictTimer);
      entry.evictTimer = null;
    }
    return entry.room;
  }

  /** Returns the loaded room, loading it first if needed; rejects if it cannot be loaded. */
  async acquire(name: string): Promise<Room> {
    if (this.closed) throw new Error('server is closing');
    let entry = this.entries.get(name);
    while (entry?.evicting) {
      await entry.evicting;
      entry = this.entries.get(name);
    }
    if (entry === undefined) {
      const loading = Room.load(name, this.opts, { onFenced: (room) => this.dropFenced(room) }).then(async (room) => {
        try {
          await this.afterLoad?.(room);
        } catch (err) {
          room.destroy();
          throw err;
        }
        // Dropped while it was being recovered, its writes refused ([EL24]): nobody may join that copy.
        if (this.entries.get(name) !== created) throw new Error(`room ${name} was dropped while it loaded`);
        return room;
      });
      const created: Entry = { room: null, loading, refs: 0, evictTimer: null, evicting: null };
      created.loading.then(
        (room) => {
          created.room = room;
        },
        (err: unknown) => {
          this.opts.logger.error({ room: name, err: String(err) }, 'room failed to load');
          if (this.entries.get(name) === created) this.entries.delete(name);
        },
      );
      this.entries.set(name, created);
      entry = created;
    }
    entry.refs++;
    if (entry.evictTimer !== null) {
      clearTimeout(entry.evictTimer);
      entry.evictTimer = null;
    }
    try {
      return await entry.loading;
    } catch (err) {
      entry.refs--;
      throw err;
    }
  }

  release(room: Room): void {
    const entry = this.entries.get(room.name);
    if (entry?.room !== room) return;
    entry.refs--;
    if (entry.refs > 0 || this.closed) return;
    entry.evictTimer = setTimeout(guarded(this.opts.logger, 'eviction failed', () => this.evict(room.name, entry)), this.opts.evictAfterMs);
    entry.evictTimer.unref();
  }

  private evict(name: string, entry: Entry): void {
    entry.evictTimer = null;
    if (entry.refs > 0 || entry.room === null) return;
    this.dueForEviction.push({ name, entry });
    this.startEvictions();
  }

  private startEvictions(): void {
    while (this.evictionsRunning < EVICTION_SLOTS && this.dueForEviction.length > 0) {
      const { name, entry } = this.dueForEviction.shift()!;
      const room = entry.room;
      // Someone came back while it waited, or a shutdown is flushing every room itself.
      if (entry.refs > 0 || room === null || entry.evictTimer !== null || this.closed) continue;
      this.evictionsRunning++;
      entry.evicting = (async () => {
        try {
          await room.flush();
          await room.compact();
        } catch (err) {
          this.opts.logger.error({ room: name, err: String(err) }, 'flush on eviction failed');
        } finally {
          room.destroy();
          if (this.entries.get(name) === entry) this.entries.delete(name);
          this.opts.logger.debug({ room: name }, 'room evicted');
          this.evictionsRunning--;
          this.startEvictions();
        }
      })();
    }
  }

  /**
   * Drops this process's copy of `name` if it holds changes of the server's
   * that are not stored ([EL23]): they are never stored from here, its
   * members reconnect, and whoever joins next gets a copy loaded afresh.
   */
  retireUnstored(name: string): void {
    const entry = this.entries.get(name);
    const room = entry?.room;
    // A room being evicted is being flushed already; one still loading has shown and stored nothing of its own.
    if (entry === undefined || room == null || entry.evicting !== null || !room.holdsUnstored) return;
    if (entry.evictTimer !== null) clearTimeout(entry.evictTimer);
    this.entries.delete(name);
    room.retire('lease lost');
  }

  /**
   * Drops a copy whose write the store refused under its fence ([EL24]):
   * another process claimed the session, and replays what this copy could
   * not store. Whoever joins next gets a copy loaded afresh.
   */
  private dropFenced(room: Room): void {
    const entry = this.entries.get(room.name);
    // Being evicted, it has no members left and is destroyed once its flush ends.
    if (entry === undefined || entry.evicting !== null || (entry.room !== room && entry.room !== null)) return;
    if (entry.evictTimer !== null) clearTimeout(entry.evictTimer);
    this.entries.delete(room.name);
    room.retire('fenced');
  }

  /** Flushes every room to the store and drops them all; used on shutdown. */
  async closeAll(deadlineMs: number): Promise<{ unsaved: number }> {
    this.closed = true;
    const all = Array.from(this.entries.values());
    let unsaved = 0;
    await Promise.all(
      all.map(async (entry) => {
        if (entry.evictTimer !== null) clearTimeout(entry.evictTimer);
        if (entry.evicting !== null) return entry.evicting;
        const room = await entry.loading.catch(() => null);
        if (room === null) return;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), deadlineMs);
        });
        const flushed = room.flush().then(() => false);
        if (await Promise.race([flushed, timedOut])) {
          unsaved += room.unsavedUpdates;
          this.opts.logger.error({ room: room.name, unsaved: room.unsavedUpdates }, 'shutdown before all updates were stored');
        }
        clearTimeout(timer);
        room.destroy();
      }),
    );
    this.entries.clear();
    return { unsaved };
  }
}
