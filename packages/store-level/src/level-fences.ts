/**
 * The logs' fences on LevelDB ([S30]): each log's latest claim under its
 * fence key (log-key-layout.ts), and kept here once read. A claim sets the
 * kept value before its own write is queued, and a fenced write is checked
 * against it in the same turn as it is handed to the group commit, which
 * writes in call order: a write checked before a claim is stored by the
 * time the claim resolves, and one checked after it is refused. LevelDB's
 * lock keeps every other process out of the directory ([L3]), so nothing
 * else claims behind this one's back.
 */
import type { Fence } from '@dungeon-lab/store';
import { fenced } from '@dungeon-lab/store/input';
import type { ClassicLevel } from 'classic-level';
import type { GroupCommit, WriteOp } from './group-commit.ts';
import { createKeyedQueue } from './keyed-queue.ts';
import { decodeSequence, encodeSequence, fenceKey, logPrefix } from './log-key-layout.ts';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

export class LevelFences {
  readonly #db: Db;
  readonly #writes: GroupCommit;
  readonly #latest = new Map<string, number>();
  /** Claims of one log one at a time, so two never read the same latest. */
  readonly #claims = createKeyedQueue();

  constructor(db: Db, writes: GroupCommit) {
    this.#db = db;
    this.#writes = writes;
  }

  claim(log: string): Promise<number> {
    return this.#claims.run(log, async () => {
      const epoch = (await this.#read(log)) + 1;
      // Kept before it is written: from here, writes under an earlier claim are refused.
      this.#latest.set(log, epoch);
      await this.#writes.write([{ type: 'put', key: fenceKey(logPrefix(log)), value: encodeSequence(epoch) }]);
      return epoch;
    });
  }

  /** Reads the fence's log's latest claim, so that `write` can check it without awaiting. */
  async ready(fence: Fence | undefined): Promise<void> {
    if (fence !== undefined) await this.#read(fence.log);
  }

  /**
   * Hands `ops` to the group commit if `fence` (after `ready`) is its log's
   * latest claim, checked now; rejects with FencedError otherwise, writing nothing.
   */
  write(fence: Fence | undefined, ops: readonly WriteOp[]): Promise<void> {
    if (fence !== undefined) {
      const latest = this.#latest.get(fence.log);
      if (latest === undefined) throw new Error(`level store: the fence of log ${JSON.stringify(fence.log)} was not read before the write`);
      if (latest !== fence.epoch) return Promise.reject(fenced(fence, latest));
    }
    return this.#writes.write(ops);
  }

  async #read(log: string): Promise<number> {
    const kept = this.#latest.get(log);
    if (kept !== undefined) return kept;
    const stored = await this.#db.get(fenceKey(logPrefix(log)));
    let latest: number;
    try {
      latest = stored === undefined ? 0 : decodeSequence(stored);
    } catch (err) {
      throw new Error(`level store: the fence of log ${JSON.stringify(log)} is unreadable`, { cause: err });
    }
    // A claim may have run while this read: what it kept is newer.
    if (!this.#latest.has(log)) this.#latest.set(log, latest);
    return this.#latest.get(log)!;
  }
}
