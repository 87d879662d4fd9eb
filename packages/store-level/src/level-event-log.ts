/**
 * The event-log half of the LevelDB store ([S14]..[S28], [L5]..[L7] in
 * docs/storage.md). Every write to one log goes through a per-log queue, so
 * the check before a write cannot be raced by another write to that log in
 * this process; LevelDB's lock ([L3]) keeps other processes out.
 */
import { DuplicateEventError, type EventLogStore, type Fence, type StoredEvent, type StoredRecord } from '@dungeon-lab/store';
import { checkEventRange, checkFence } from '@dungeon-lab/store/input';
import type { ClassicLevel } from 'classic-level';
import type { GroupCommit } from './group-commit.ts';
import { checkEvent, checkRecord, decodeEventValue, encodeEventValue } from './event-value.ts';
import { createKeyedQueue } from './keyed-queue.ts';
import type { LevelFences } from './level-fences.ts';
import {
  approvalKey,
  approvalRange,
  checkpointKey,
  checkpointRange,
  idOfKey,
  decodeSequence,
  encodeSequence,
  entryKey,
  entryRange,
  idIndexKey,
  logPrefix,
  rejectionKey,
  sequenceOfEntryKey,
} from './log-key-layout.ts';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

/**
 * classic-level hands `limit` to C++ as an int32, where 2^32 truncates to 0
 * and reads nothing; above this, read unbounded and let the range end it.
 */
const MAX_NATIVE_LIMIT = 0x7fffffff;

export class LevelEventLog implements EventLogStore {
  readonly #db: Db;
  readonly #writes: GroupCommit;
  readonly #assertOpen: () => void;
  readonly #fences: LevelFences;
  readonly #queue = createKeyedQueue();

  constructor(db: Db, writes: GroupCommit, fences: LevelFences, assertOpen: () => void) {
    this.#db = db;
    this.#writes = writes;
    this.#fences = fences;
    this.#assertOpen = assertOpen;
  }

  async appendEvents(log: string, events: readonly StoredEvent[], fenceInput?: Fence): Promise<void> {
    this.#assertOpen();
    const prefix = logPrefix(log);
    if (!Array.isArray(events)) throw new TypeError('events must be an array');
    // Check and encode everything before writing anything, so bad input leaves nothing ([S17]).
    const sequences = new Set<number>();
    const ids = new Set<string>();
    const checked: StoredEvent[] = [];
    const puts: { type: 'put'; key: Uint8Array; value: Uint8Array }[] = [];
    for (const input of events) {
      const event = checkEvent(input);
      const { sequence, id, data } = event;
      if (sequences.has(sequence)) throw duplicate(log, `sequence ${sequence} appears twice in the batch`);
      if (ids.has(id)) throw duplicate(log, `id ${JSON.stringify(id)} appears twice in the batch`);
      sequences.add(sequence);
      ids.add(id);
      checked.push(event);
      puts.push({ type: 'put', key: entryKey(prefix, sequence), value: encodeEventValue(id, data) });
      puts.push({ type: 'put', key: idIndexKey(prefix, id), value: encodeSequence(sequence) });
    }
    const fence = checkFence(fenceInput);
    if (puts.length === 0) return;
    await this.#fences.ready(fence);

    await this.#queue.run(log, async () => {
      this.#assertOpen();
      const taken = await this.#db.hasMany(puts.map((p) => p.key));
      const clash = taken.indexOf(true);
      if (clash >= 0) {
        // Puts come in pairs: even positions are entry keys, odd ones id-index keys.
        const event = checked[Math.floor(clash / 2)] as StoredEvent;
        throw duplicate(
          log,
          clash % 2 === 0
            ? `sequence ${event.sequence} is already in the log`
            : `id ${JSON.stringify(event.id)} is already in the log`,
        );
      }
      // Entries and their id index in one batch: a crash leaves both or neither ([S17], [S28]).
      await this.#fences.write(fence, puts);
    });
  }

  async readEvents(log: string, from: number, limit: number): Promise<StoredEvent[]> {
    this.#assertOpen();
    const prefix = logPrefix(log);
    checkEventRange(from, limit);
    if (limit === 0) return [];
    const range = entryRange(prefix, from);
    const entries = await this.#db
      .iterator({ ...range, limit: limit > MAX_NATIVE_LIMIT ? Infinity : limit })
      .all();
    return entries.map(([key, value]) => decodeEntry(log, prefix, key, value));
  }

  async eventById(log: string, id: string): Promise<StoredEvent | null> {
    this.#assertOpen();
    const prefix = logPrefix(log);
    const indexed = await this.#db.get(idIndexKey(prefix, id));
    if (indexed === undefined) return null;
    const sequence = decodeIndexed(log, id, indexed);
    const key = entryKey(prefix, sequence);
    // Entries are never deleted and the index is written in the entry's batch, so a miss is corruption.
    const value = await this.#db.get(key);
    if (value === undefined) throw unreadable(log, `id ${JSON.stringify(id)} indexes missing entry ${sequence}`);
    const event = decodeEntry(log, prefix, key, value);
    if (event.id !== id) {
      const detail = `id ${JSON.stringify(id)} indexes entry ${sequence}, which has id ${JSON.stringify(event.id)}`;
      throw unreadable(log, detail);
    }
    return event;
  }

  async lastSequence(log: string): Promise<number> {
    this.#assertOpen();
    const prefix = logPrefix(log);
    const [last] = await this.#db.keys({ ...entryRange(prefix), reverse: true, limit: 1 }).all();
    if (last === undefined) return 0;
    try {
      return sequenceOfEntryKey(prefix, last);
    } catch (err) {
      throw unreadable(log, 'the last entry key', err);
    }
  }

  async replaceEvent(log: string, event: StoredEvent, fenceInput?: Fence): Promise<void> {
    this.#assertOpen();
    const prefix = logPrefix(log);
    const { sequence, id, data } = checkEvent(event);
    const key = entryKey(prefix, sequence);
    const indexKey = idIndexKey(prefix, id);
    const value = encodeEventValue(id, data);
    const fence = checkFence(fenceInput);
    await this.#fences.ready(fence);

    await this.#queue.run(log, async () => {
      this.#assertOpen();
      // The index holds the id's sequence in 8 bytes: checking it avoids reading a possibly large entry.
      const indexed = await this.#db.get(indexKey);
      if (indexed === undefined) {
        throw new Error(`level store: log ${JSON.stringify(log)} has no entry with id ${JSON.stringify(id)}`);
      }
      const stored = decodeIndexed(log, id, indexed);
      if (stored !== sequence) {
        throw new Error(
          `level store: log ${JSON.stringify(log)} has id ${JSON.stringify(id)} at sequence ${stored}, not ${sequence}`,
        );
      }
      await this.#fences.write(fence, [{ type: 'put', key: key, value: value }]);
    });
  }

  claimFence(log: string): Promise<number> {
    this.#assertOpen();
    return this.#fences.claim(log);
  }

  async putRejection(log: string, record: StoredRecord): Promise<void> {
    this.#assertOpen();
    const prefix = logPrefix(log);
    const { id, data } = checkRecord(record, 'rejection');
    const key = rejectionKey(prefix, id);
    // Queued only for call order: of two puts of one id, the later call wins.
    await this.#queue.run(log, async () => {
      this.#assertOpen();
      await this.#writes.write([{ type: 'put', key: key, value: data }]);
    });
  }

  async rejectionById(log: string, id: string): Promise<StoredRecord | null> {
    this.#assertOpen();
    const data = await this.#db.get(rejectionKey(logPrefix(log), id));
    return data === undefined ? null : { id, data };
  }

  async putCheckpoint(log: string, record: StoredRecord): Promise<void> {
    this.#assertOpen();
    const prefix = logPrefix(log);
    const { id, data } = checkRecord(record, 'checkpoint');
    const key = checkpointKey(prefix, id);
    await this.#queue.run(log, async () => {
      this.#assertOpen();
      if (await this.#db.has(key)) throw duplicate(log, `checkpoint ${JSON.stringify(id)} already exists`);
      await this.#writes.write([{ type: 'put', key: key, value: data }]);
    });
  }

  async listCheckpoints(log: string): Promise<StoredRecord[]> {
    return this.#listRecords(log, checkpointRange, 'a checkpoint key');
  }

  async putApproval(log: string, record: StoredRecord): Promise<void> {
    this.#assertOpen();
    const { id, data } = checkRecord(record, 'approval');
    const key = approvalKey(logPrefix(log), id);
    await this.#queue.run(log, async () => {
      this.#assertOpen();
      await this.#writes.write([{ type: 'put', key: key, value: data }]);
    });
  }

  async deleteApproval(log: string, id: string): Promise<void> {
    this.#assertOpen();
    const key = approvalKey(logPrefix(log), id);
    await this.#queue.run(log, async () => {
      this.#assertOpen();
      await this.#writes.write([{ type: 'del', key: key }]);
    });
  }

  async listApprovals(log: string): Promise<StoredRecord[]> {
    return this.#listRecords(log, approvalRange, 'an approval key');
  }

  async #listRecords(log: string, range: (prefix: Uint8Array) => { gte: Uint8Array; lt: Uint8Array }, what: string): Promise<StoredRecord[]> {
    this.#assertOpen();
    const prefix = logPrefix(log);
    const entries = await this.#db.iterator(range(prefix)).all();
    return entries.map(([key, data]) => {
      try {
        return { id: idOfKey(prefix, key), data };
      } catch (err) {
        throw unreadable(log, what, err);
      }
    });
  }

  async checkpointById(log: string, id: string): Promise<StoredRecord | null> {
    this.#assertOpen();
    const data = await this.#db.get(checkpointKey(logPrefix(log), id));
    return data === undefined ? null : { id, data };
  }
}

function decodeEntry(log: string, prefix: Uint8Array, key: Uint8Array, value: Uint8Array): StoredEvent {
  let sequence: number | undefined;
  try {
    sequence = sequenceOfEntryKey(prefix, key);
    return { sequence, ...decodeEventValue(value) };
  } catch (err) {
    throw unreadable(log, sequence === undefined ? 'an entry key' : `entry ${sequence}`, err);
  }
}

function decodeIndexed(log: string, id: string, indexed: Uint8Array): number {
  try {
    return decodeSequence(indexed);
  } catch (err) {
    throw unreadable(log, `the index of id ${JSON.stringify(id)}`, err);
  }
}

function duplicate(log: string, detail: string): DuplicateEventError {
  return new DuplicateEventError(`level store: log ${JSON.stringify(log)}: ${detail}; nothing was written`);
}

/** A read that meets bytes it cannot decode rejects: skipping them would hand out a log with holes ([L7]). */
function unreadable(log: string, what: string, cause?: unknown): Error {
  return new Error(`level store: ${what} of log ${JSON.stringify(log)} is unreadable`, { cause });
}
