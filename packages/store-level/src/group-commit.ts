import type { ClassicLevel } from 'classic-level';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

export type WriteOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

interface Pending {
  readonly ops: readonly WriteOp[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Every write of the store, from every document, log and session, goes to
 * disk through here. Writes asked for while a batch is being synced wait and
 * then go together in the next batch: one fsync for all of them instead of
 * one each, which is what a thousand small tables saving at once need. Each
 * caller's operations stay together in one atomic LevelDB batch, in call
 * order, and its promise resolves only once that batch is synced.
 */
export class GroupCommit {
  readonly #db: Db;
  readonly #options: { readonly sync: boolean };
  #queue: Pending[] = [];
  #running: Promise<void> | null = null;

  constructor(db: Db, options: { readonly sync: boolean }) {
    this.#db = db;
    this.#options = options;
  }

  write(ops: readonly WriteOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ ops, resolve, reject });
      // Started on the next turn, so that writes asked for by the same turn's callbacks share it.
      this.#running ??= new Promise<void>((started) => setImmediate(started)).then(() => this.#drain());
    });
  }

  /** Resolves once everything asked for so far is written (or failed). */
  async settled(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      await this.#commit(batch);
    }
    this.#running = null;
  }

  async #commit(batch: readonly Pending[]): Promise<void> {
    try {
      await this.#db.batch(batch.flatMap((p) => p.ops) as WriteOp[], this.#options);
      for (const p of batch) p.resolve();
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One caller's bad write must not fail the others: each is tried on its own, and only its own error reaches it.
      for (const p of batch) await this.#commit([p]);
    }
  }
}
