import { type Fence, FencedError, type RowId, type Store, type StoredRow } from '@dungeon-lab/store';
import * as Y from 'yjs';
import { encodeIntegratedStateSized } from './integrated-state.ts';
import { StoredPrefix, storedRangesOf } from './stored-prefix.ts';
import type { Logger } from './logger.ts';
import type { WriteTicket } from './bus/room-bus.ts';
import type { Telemetry } from './metrics/telemetry.ts';
import type { CompactionOptions } from './options.ts';

/** Yjs does not export its DeleteSet class as a type. */
export type DeleteSet = ReturnType<typeof Y.createDeleteSet>;
type DeleteItem = DeleteSet['clients'] extends Map<number, Array<infer I>> ? I : never;

/** A Yjs delete set of decoded ranges (Yjs reads its items as `{ clock, len }` and does not export their class). */
export function deleteSetOf(ranges: ReadonlyMap<number, ReadonlyArray<{ readonly clock: number; readonly len: number }>>): DeleteSet {
  const set = Y.createDeleteSet();
  for (const [client, items] of ranges) set.clients.set(client, items.map(({ clock, len }) => ({ clock, len }) as DeleteItem));
  return set;
}

/**
 * A queued update to be announced in `saved` once durable ([P6]): its
 * clients then with their stored prefix (which says how far the write
 * reaches), its deletions, and when it arrived from a client
 * (`performance.now()`, for the saved latency; null: not from a client's
 * socket here).
 */
export interface Announcement {
  readonly deletes: DeleteSet;
  readonly arrivedAt: number | null;
}

/** A member's transaction: its deletions. */
export function announcementOfTransaction(transaction: Y.Transaction, arrivedAt: number): Announcement {
  return { deletes: transaction.deleteSet, arrivedAt };
}

/** An update from its bytes: its deletions. */
export function announcementOfUpdate(update: Uint8Array): Announcement {
  return { deletes: Y.decodeUpdate(update).ds, arrivedAt: null };
}

function hasPending(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

/** Tells apart the writers of one process: each loading of a room gets the next number ([OR3]). */
let writersMade = 0;

export interface DocWriterOptions {
  readonly name: string;
  readonly doc: Y.Doc;
  readonly store: Store;
  readonly logger: Logger;
  readonly compaction: CompactionOptions;
  readonly writeRetryMs: number;
  readonly onCompactionSnapshotWritten: ((room: string) => void | Promise<void>) | undefined;
  readonly telemetry: Pick<Telemetry, 'docUpdatesStored'>;
  /**
   * Called after each durable write with the clocks it made durable (only the
   * clients that changed), the deletions it made durable, the ticket of the
   * last update it covered ([OR3]), and when the client updates it stored
   * arrived (`performance.now()`).
   */
  readonly onSaved: (delta: Map<number, number>, deletes: DeleteSet, through: WriteTicket, arrivals: readonly number[]) => void;
  /**
   * A write under a fence was refused: another process claimed the session
   * since ([EL24]). The writer has stopped; what it held is never stored.
   */
  readonly onFenced: () => void;
}

const MAX_RETRY_MS = 30_000;
/** Durable delete sets kept apart before they are merged into one. */
const MERGE_DELETE_SETS_AT = 64;
/** Bytes of snapshot rewritten per byte of small rows folded into it, at most (below the row limit's stretch). */
const MAX_SNAPSHOT_PER_ROW_BYTE = 8;
/** How far a large snapshot may stretch the row limit: replaying this many rows more at load stays cheap. */
const ROW_LIMIT_STRETCH = 20;

/**
 * Persists one room's updates with group commit: every update applied while a
 * write is in flight (or within the same event-loop turn) goes to the store in
 * the next single atomic write. The clocks a batch covers are captured when the
 * batch is taken, so the `saved` state vector only ever claims what is on disk.
 */
export class DocWriter {
  private readonly opts: DocWriterOptions;
  private pending: Uint8Array[] = [];
  /** When the members' updates among `pending` arrived on their sockets. */
  private arrivals: number[] = [];
  /** Deletions among updates queued since the last batch was taken. */
  private dirtyDeletes: DeleteSet[] = [];
  /** Deletions durably stored, merged lazily (when someone joins, or once there are many). */
  private durableDeletes: DeleteSet[];
  private draining: Promise<void> | null = null;
  private compacting: Promise<void> | null = null;
  private rowIds: RowId[] = [];
  private readonly updateRowBytes = new Map<RowId, number>();
  private bytesSinceSnapshot = 0;
  /** Size of the newest snapshot row: compaction waits until the updates since weigh as much. */
  private snapshotBytes = 0;
  private retryMs: number;
  private compactionCooldownUntil = 0;
  private stopped = false;
  private lastWriteFailed = false;
  /** This writer's number in its process, for its tickets ([OR3]). */
  readonly writer = ++writersMade;
  /** Updates queued so far: the last ticket's `seq`. */
  private queued = 0;
  /**
   * The claim the newest fenced update queued was made under, until a write
   * covering it is stored ([EL24]): every write meanwhile — a batch, a
   * compaction's snapshot of the doc that holds it — goes under it.
   */
  private fence: { readonly fence: Fence; readonly seq: number } | null = null;
  /** What is durably stored, as a prefix a load integrates ([P6]). */
  private readonly prefix: StoredPrefix;
  /**
   * Stored rows hold operations the doc could not integrate — loaded while
   * their dependencies were not stored yet (another process's write still to
   * come), or a peer's update adopted as it came ([OR3]): a snapshot of the
   * doc would lack them (a guarded room even drops them), so this writer
   * never deletes rows ([P8]). A later load of the room, once the store is
   * whole, compacts again. (A member's operations that wait are never
   * stored: its rows hold what the doc integrated.)
   */
  private rowsAhead: boolean;

  constructor(opts: DocWriterOptions, loadedRows: readonly StoredRow[]) {
    this.opts = opts;
    this.retryMs = opts.writeRetryMs;
    for (const row of loadedRows) {
      this.rowIds.push(row.id);
      if (row.kind === 'update') {
        this.updateRowBytes.set(row.id, row.data.byteLength);
        this.bytesSinceSnapshot += row.data.byteLength;
      } else {
        this.snapshotBytes = row.data.byteLength;
      }
    }
    this.prefix = new StoredPrefix(Y.decodeStateVector(Y.encodeStateVector(opts.doc)));
    this.rowsAhead = hasPending(opts.doc);
    this.durableDeletes = [Y.createDeleteSetFromStructStore(opts.doc.store)];
  }

  /** Clocks durably stored per client: every operation below is stored, and everything it needs ([P6]). */
  get durable(): ReadonlyMap<number, number> {
    return this.prefix.durable;
  }

  /**
   * A peer process stored every operation below these clocks, and these
   * deletions, in the store this room shares: its `saved` ([OR3]). Durable
   * here too — without them a socket joining this process after missing that
   * `saved` is never told its change is durable: re-sent here it changes
   * nothing, so no write announces it again. Answers the clients whose
   * prefix this made reach beyond what the peer said (runs this writer
   * stored ahead joined on, or no longer waiting for what the peer stored),
   * for the room's members to hear.
   */
  peerStored(stateVector: ReadonlyMap<number, number>, deletes: DeleteSet): Map<number, number> {
    const beyond = new Map<number, number>();
    // The peer's claim is closed in the store: what its operations need is stored too.
    for (const client of this.prefix.add([...stateVector].map(([client, clock]) => [client, [{ from: 0, end: clock, needs: new Map() }]]))) {
      const durable = this.prefix.durable.get(client) ?? 0;
      if (durable > (stateVector.get(client) ?? 0)) beyond.set(client, durable);
    }
    if (deletes.clients.size > 0) {
      this.durableDeletes.push(deletes);
      if (this.durableDeletes.length >= MERGE_DELETE_SETS_AT) this.durableDeleteSet();
    }
    return beyond;
  }

  /**
   * Rows read back from the store ([EL21]): durable, whoever wrote them.
   * Answers the clients whose stored prefix this made grow, with the prefix.
   */
  readBack(rows: readonly StoredRow[]): Map<number, number> {
    const grown = this.prefix.add(rows.flatMap((row) => [...storedRangesOf(row.data)]));
    return new Map([...grown].map((client) => [client, this.prefix.durable.get(client)!]));
  }

  /** Every deletion known to be durably stored, by this process or another on the same store. */
  durableDeleteSet(): DeleteSet {
    const merged = Y.mergeDeleteSets(this.durableDeletes);
    this.durableDeletes = [merged];
    return merged;
  }

  /**
   * What the document's full state is likely to take encoded: the stored
   * rows' bytes (their merge is usually no larger). For sizing buffers.
   */
  get stateSizeHint(): number {
    return this.snapshotBytes + this.bytesSinceSnapshot;
  }

  /** Number of rows the document occupies in the store. */
  get rowCount(): number {
    return this.rowIds.length;
  }

  /** The last write failed and is being retried: the store is not answering. */
  get failing(): boolean {
    return this.lastWriteFailed;
  }

  /** Updates accepted in memory but not yet durably stored. */
  get unsavedUpdates(): number {
    return this.pending.length;
  }

  /**
   * Queues an update applied to the doc; once durable, `saved` names every
   * client whose stored prefix it made grow, with its deletions and arrival
   * as `announce` says (null: the server's own write — its deletions are no
   * member's to track). Under a `fence`, it is stored under that claim or
   * not at all ([EL24]). Answers its ticket ([OR3]).
   */
  enqueue(update: Uint8Array, announce: Announcement | null, fence?: Fence): WriteTicket {
    this.pending.push(update);
    if (fence !== undefined) this.fence = { fence, seq: this.queued + 1 };
    if (announce !== null) {
      if (announce.arrivedAt !== null) this.arrivals.push(announce.arrivedAt);
      if (announce.deletes.clients.size > 0) this.dirtyDeletes.push(announce.deletes);
    }
    if (this.draining === null) {
      this.draining = this.drain().finally(() => {
        this.draining = null;
      });
    }
    return { writer: this.writer, seq: ++this.queued };
  }

  private async drain(): Promise<void> {
    // Yield once so that updates arriving in the same I/O phase share one write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.length > 0 && !this.stopped) {
      const batch = this.pending;
      const arrivals = this.arrivals;
      const deletes = this.dirtyDeletes;
      // Everything queued so far is in this batch or in an earlier one already durable.
      const through: WriteTicket = { writer: this.writer, seq: this.queued };
      this.pending = [];
      this.arrivals = [];
      this.dirtyDeletes = [];
      const fence = this.fence;
      try {
        const ids = await this.opts.store.appendUpdates(this.opts.name, batch, fence?.fence);
        if (fence !== null && this.fence?.seq === fence.seq) this.fence = null;
        this.retryMs = this.opts.writeRetryMs;
        this.lastWriteFailed = false;
        let stored = 0;
        ids.forEach((id, i) => {
          const bytes = batch[i]?.byteLength ?? 0;
          this.rowIds.push(id);
          this.updateRowBytes.set(id, bytes);
          this.bytesSinceSnapshot += bytes;
          stored += bytes;
        });
        this.opts.telemetry.docUpdatesStored(stored);
        // Announced: every client whose stored prefix grew — a write after a gap claims nothing below it ([P6]). The
        // server's own among them too: peers need its claims, for the members' edits that follow its writes.
        const clocks = new Map<number, number>();
        for (const client of this.prefix.add(batch.flatMap((update) => [...storedRangesOf(update)]))) clocks.set(client, this.prefix.durable.get(client)!);
        const deleted = Y.mergeDeleteSets(deletes);
        if (deleted.clients.size > 0) {
          this.durableDeletes.push(deleted);
          // Merged for joiners, and every so often anyway: a long session nobody joins would keep
          // every batch's set, where merged they shrink to about one range per client.
          if (this.durableDeletes.length >= MERGE_DELETE_SETS_AT) this.durableDeleteSet();
        }
        this.opts.onSaved(clocks, deleted, through, arrivals);
        this.maybeCompact();
      } catch (err) {
        if (err instanceof FencedError) {
          this.refused(err);
          return;
        }
        this.lastWriteFailed = true;
        // Keep the batch (and its clocks) in front of anything newer and retry; clients
        // keep showing these changes as unsaved until a write succeeds.
        this.pending = batch.concat(this.pending);
        this.arrivals = arrivals.concat(this.arrivals);
        this.dirtyDeletes = deletes.concat(this.dirtyDeletes);
        this.opts.logger.error(
          { room: this.opts.name, err: String(err), updates: batch.length, retryMs: this.retryMs },
          'store write failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, this.retryMs).unref());
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      }
    }
  }

  /** A fenced write was refused: nothing more is written from this copy ([EL24]). */
  private refused(err: FencedError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.lastWriteFailed = true;
    this.opts.logger.warn({ room: this.opts.name, err: err.message }, 'store refused a write: the session was claimed by another process');
    this.opts.onFenced();
  }

  private maybeCompact(): void {
    const { afterUpdates, afterBytes } = this.opts.compaction;
    const rowsSinceSnapshot = this.updateRowBytes.size;
    if (this.compacting !== null || Date.now() < this.compactionCooldownUntil) return;
    // One row, however large, is already as compact as it gets.
    if (this.rowIds.length <= 1) return;
    // Rewriting a large document's snapshot for every few MB of edits would write it again and again;
    // waiting until the edits weigh as much as the snapshot keeps each byte written a bounded number of times.
    const dueByBytes = this.bytesSinceSnapshot >= Math.max(afterBytes, this.snapshotBytes);
    // Many small rows slow a load down, but a 10 MB snapshot is not worth rewriting for 500 token moves
    // (15 KB): it waits until they weigh an eighth of it, or until they are many times the row limit.
    const dueByRows =
      rowsSinceSnapshot >= afterUpdates &&
      (this.bytesSinceSnapshot * MAX_SNAPSHOT_PER_ROW_BYTE >= this.snapshotBytes || rowsSinceSnapshot >= afterUpdates * ROW_LIMIT_STRETCH);
    if (!dueByBytes && !dueByRows) return;
    // Off the write path: the next write does not wait for the merge.
    this.compacting = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.compact())
      .finally(() => {
        this.compacting = null;
        // Rows that arrived while merging may already be over the threshold again.
        if (!this.stopped) this.maybeCompact();
      });
  }

  /**
   * Crash-safe compaction: write a snapshot of the in-memory doc (a superset of
   * every durable row), then delete exactly the rows known durable before it.
   * A crash in between leaves both, which load merges idempotently.
   */
  async compact(): Promise<void> {
    const replaced = this.rowIds.slice();
    if (replaced.length <= 1 || this.stopped) return;
    // The snapshot holds what the doc integrated; rows with anything else must stay.
    if (this.rowsAhead) {
      this.compactionCooldownUntil = Date.now() + MAX_RETRY_MS;
      this.opts.logger.warn({ room: this.opts.name, rows: replaced.length }, 'compaction postponed: stored operations wait for operations not stored yet');
      return;
    }
    try {
      const snapshot = encodeIntegratedStateSized(this.opts.doc, this.stateSizeHint);
      // The doc holds what is queued too: a fenced update among it puts the snapshot under its claim.
      const snapshotId = await this.opts.store.writeSnapshot(this.opts.name, snapshot, this.fence?.fence);
      this.snapshotBytes = snapshot.byteLength;
      await this.opts.onCompactionSnapshotWritten?.(this.opts.name);
      await this.opts.store.deleteRows(this.opts.name, replaced);
      const gone = new Set(replaced);
      this.rowIds = [snapshotId, ...this.rowIds.filter((id) => !gone.has(id))];
      for (const id of replaced) {
        const bytes = this.updateRowBytes.get(id);
        if (bytes !== undefined) {
          this.bytesSinceSnapshot -= bytes;
          this.updateRowBytes.delete(id);
        }
      }
      this.opts.logger.debug({ room: this.opts.name, merged: replaced.length, bytes: snapshot.byteLength }, 'compacted');
    } catch (err) {
      if (err instanceof FencedError) {
        this.refused(err);
        return;
      }
      this.compactionCooldownUntil = Date.now() + MAX_RETRY_MS;
      this.opts.logger.error({ room: this.opts.name, err: String(err) }, 'compaction failed');
    }
  }

  /**
   * An update is being stored as it came (a peer's, adopted: [OR3]) while the
   * doc holds operations it could not integrate, which the update may carry:
   * its row must never be deleted by a compaction of this writer.
   */
  keepRows(): void {
    this.rowsAhead = true;
  }

  /** Stops retrying writes; whatever is still queued stays unsaved (clients still hold it). */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves once every queued update is durable and no compaction is running. */
  async flush(): Promise<void> {
    while (this.draining !== null || this.compacting !== null) {
      await this.draining;
      await this.compacting;
    }
  }
}
