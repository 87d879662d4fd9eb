import type { LogEntry } from '@dungeon-lab/events';

/**
 * The recent part of a session's log kept in memory — the seed's "last 1000
 * events for an hour" — so catch-up reads and resend dedupe rarely touch the
 * store. It is a cache: the store holds the full log.
 */
export class HotLog {
  private entries: LogEntry[] = [];
  private readonly byId = new Map<string, LogEntry>();

  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  push(entry: LogEntry): void {
    this.entries.push(entry);
    this.byId.set(entry.event.id, entry);
    this.prune();
  }

  /** Replaces the cached copy of an entry whose status changed. */
  update(entry: LogEntry): void {
    if (!this.byId.has(entry.event.id)) return;
    this.byId.set(entry.event.id, entry);
    const i = this.entries.findIndex((e) => e.event.sequence === entry.event.sequence);
    if (i >= 0) this.entries[i] = entry;
  }

  byEventId(id: string): LogEntry | undefined {
    this.prune();
    return this.byId.get(id);
  }

  /**
   * Entries `from`…`from + limit - 1` if the cache holds that whole range
   * (or everything from `from` to the end), otherwise null: the caller reads the store.
   */
  range(from: number, limit: number): LogEntry[] | null {
    this.prune();
    const first = this.entries[0];
    if (first === undefined || from < first.event.sequence) return null;
    const start = from - first.event.sequence;
    return this.entries.slice(start, start + limit);
  }

  private prune(): void {
    const cutoff = this.now() - this.maxAgeMs;
    let drop = Math.max(0, this.entries.length - this.capacity);
    while (drop < this.entries.length && this.entries[drop]!.event.timestamp < cutoff) drop++;
    if (drop === 0) return;
    for (const e of this.entries.slice(0, drop)) this.byId.delete(e.event.id);
    this.entries = this.entries.slice(drop);
  }
}
