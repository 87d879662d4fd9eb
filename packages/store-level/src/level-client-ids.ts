/**
 * The client-id half of the LevelDB store ([CI1]..[CI5], [LC1] in
 * docs/storage.md). Keys of one document start with its prefix (namespace
 * 0x06, length-prefixed name, see key-layout.ts), then one byte says what
 * they hold:
 *
 *   prefix | 0x01                -> u64 BE last leased id (the counter)
 *   prefix | 0x02 | u64 BE id    -> utf8(owner)
 *
 * A lease runs in a per-document queue: read the counter (from the cache
 * after the first time), then write the new counter and the owner in one
 * batch through the group commit. Leases of one document that arrive while
 * the queue is busy wait together and go in the next batch, consecutive ids
 * in call order, so a crowd joining one room costs one fsync, not one each.
 */
import type { ClientIdStore } from '@dungeon-lab/store';
import type { ClassicLevel } from 'classic-level';
import type { GroupCommit } from './group-commit.ts';
import { CLIENT_ID_NAMESPACE, namedPrefix, wellFormedUtf8 } from './key-layout.ts';
import { createKeyedQueue } from './keyed-queue.ts';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

const COUNTER = 0x01;
const OWNER = 0x02;
const ID_BYTES = 8;
/** Documents whose counter stays cached; the least recently leased one is dropped beyond this. */
export const CACHED_COUNTERS = 4096;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The key prefix shared by every client-id key of `docName` and by nothing else. */
export function clientIdPrefix(docName: string): Uint8Array {
  return namedPrefix(CLIENT_ID_NAMESPACE, docName, 'document name');
}

export function counterKey(prefix: Uint8Array): Uint8Array {
  const key = new Uint8Array(prefix.byteLength + 1);
  key.set(prefix);
  key[prefix.byteLength] = COUNTER;
  return key;
}

export function ownerKey(prefix: Uint8Array, id: number): Uint8Array {
  const key = new Uint8Array(prefix.byteLength + 1 + ID_BYTES);
  key.set(prefix);
  key[prefix.byteLength] = OWNER;
  new DataView(key.buffer).setBigUint64(prefix.byteLength + 1, BigInt(id));
  return key;
}

export function encodeCounter(id: number): Uint8Array {
  const value = new Uint8Array(ID_BYTES);
  new DataView(value.buffer).setBigUint64(0, BigInt(id));
  return value;
}

/** The stored counter; throws unless it is 8 bytes holding a positive safe integer. */
export function decodeCounter(value: Uint8Array): number {
  if (value.byteLength !== ID_BYTES) throw new Error(`client id counter of ${value.byteLength} bytes`);
  const id = new DataView(value.buffer, value.byteOffset, ID_BYTES).getBigUint64(0);
  if (id < 1n || id > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`client id counter ${id} is not a positive safe integer`);
  return Number(id);
}

interface Waiting {
  readonly owner: Uint8Array;
  readonly resolve: (id: number) => void;
  readonly reject: (err: unknown) => void;
}

export class LevelClientIds implements ClientIdStore {
  readonly #db: Db;
  readonly #writes: GroupCommit;
  readonly #assertOpen: () => void;
  readonly #queue = createKeyedQueue();
  /** Leases of a document waiting for its queue; the next batch takes them all. */
  readonly #waiting = new Map<string, Waiting[]>();
  // An LRU of a few thousand rooms: a long-lived server touches unboundedly many, and a miss costs one key read.
  readonly #counters = new Map<string, number>();
  readonly #maxCached: number;

  constructor(db: Db, writes: GroupCommit, assertOpen: () => void, maxCached = CACHED_COUNTERS) {
    this.#db = db;
    this.#writes = writes;
    this.#assertOpen = assertOpen;
    this.#maxCached = maxCached;
  }

  async leaseClientId(docName: string, owner: string): Promise<number> {
    this.#assertOpen();
    const prefix = clientIdPrefix(docName);
    const ownerBytes = wellFormedUtf8(owner, 'client id owner');
    return new Promise<number>((resolve, reject) => {
      let waiting = this.#waiting.get(docName);
      if (waiting === undefined) {
        waiting = [];
        this.#waiting.set(docName, waiting);
        void this.#queue.run(docName, () => this.#leaseWaiting(docName, prefix));
      }
      waiting.push({ owner: ownerBytes, resolve, reject });
    });
  }

  async clientIdOwner(docName: string, clientId: number): Promise<string | null> {
    this.#assertOpen();
    const prefix = clientIdPrefix(docName);
    if (typeof clientId !== 'number') throw new TypeError(`client id ${String(clientId)} is not a number`);
    // No lease is ever anything but a positive safe integer, so any other number was never leased.
    if (!Number.isSafeInteger(clientId) || clientId < 1) return null;
    const value = await this.#db.get(ownerKey(prefix, clientId));
    if (value === undefined) return null;
    try {
      return decoder.decode(value);
    } catch (err) {
      throw new Error(`level store: owner of client id ${clientId} of document ${JSON.stringify(docName)} is unreadable`, {
        cause: err,
      });
    }
  }

  /** One queue turn: every lease that waited gets the next ids, in one batch. */
  async #leaseWaiting(docName: string, prefix: Uint8Array): Promise<void> {
    const batch = this.#waiting.get(docName) ?? [];
    this.#waiting.delete(docName);
    try {
      this.#assertOpen();
      const last = await this.#lastLeased(docName, prefix);
      const newest = last + batch.length;
      if (!Number.isSafeInteger(newest)) throw new Error(`level store: client ids of ${JSON.stringify(docName)} exhausted`);
      this.#assertOpen();
      const written = this.#writes.write([
        { type: 'put', key: counterKey(prefix), value: encodeCounter(newest) },
        ...batch.map((w, i) => ({ type: 'put' as const, key: ownerKey(prefix, last + 1 + i), value: w.owner })),
      ]);
      // Counted as leased even if the write fails: it may have reached the disk anyway; a gap is allowed, reuse is not.
      this.#remember(docName, newest);
      await written;
      batch.forEach((w, i) => w.resolve(last + 1 + i));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  async #lastLeased(docName: string, prefix: Uint8Array): Promise<number> {
    const cached = this.#counters.get(docName);
    if (cached !== undefined) return cached;
    const value = await this.#db.get(counterKey(prefix));
    if (value === undefined) return 0;
    try {
      return decodeCounter(value);
    } catch (err) {
      // Starting again from 0 would hand out ids that are in use ([LC1]).
      throw new Error(`level store: client id counter of document ${JSON.stringify(docName)} is unreadable`, { cause: err });
    }
  }

  #remember(docName: string, last: number): void {
    // Safe to drop any entry: the queue runs one batch of a document at a time, and the
    // next one re-reads a dropped counter only after this batch's write has settled.
    this.#counters.delete(docName);
    this.#counters.set(docName, last);
    if (this.#counters.size > this.#maxCached) {
      const oldest = this.#counters.keys().next();
      if (!oldest.done) this.#counters.delete(oldest.value);
    }
  }
}
