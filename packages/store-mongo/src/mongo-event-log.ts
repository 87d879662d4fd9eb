/**
 * Event logs on MongoDB ([S14]..[S29], [MO1], [MO4]): entries in `event_log`
 * `{ log, seq, id, data }`, unique on `(log, seq)` and on `(log, id)`, so the
 * duplicate check is the database's and holds across processes ([S18]);
 * rejections, checkpoints and approvals each in a collection of their own,
 * unique on `(log, id)`.
 */
import { DuplicateEventError, type EventLogStore, type Fence, type StoredEvent, type StoredRecord } from '@dungeon-lab/store';
import { checkEvent, checkEventBatch, checkEventRange, checkFence, checkName, checkRecord } from '@dungeon-lab/store/input';
import type { Collection } from 'mongodb';
import type { MongoContext } from './mongo-context.ts';
import { binary, bytesOf, cursorLimit, type EventDoc, holdFence, inTransaction, insertAll, isDuplicateKey, type LogRecordDoc, ONE_SNAPSHOT, unreadable } from './mongo-db.ts';

type RecordKind = 'rejections' | 'checkpoints' | 'approvals';

export class MongoEventLog implements EventLogStore {
  readonly #ctx: MongoContext;

  constructor(ctx: MongoContext) {
    this.#ctx = ctx;
  }

  appendEvents(log: string, events: readonly StoredEvent[], fenceInput?: Fence): Promise<void> {
    return this.#ctx.run(async ({ client, c }) => {
      const name = logName(log);
      const checked = checkEventBatch(events, (detail) => duplicate(name, detail));
      const docs = checked.map(({ sequence, id, data }): EventDoc => ({ log: name, seq: sequence, id: checkName(id, 'event id'), data: binary(data) }));
      const fence = checkFence(fenceInput);
      try {
        // A batch is one transaction: a clash anywhere in it writes none of it ([S17]).
        await insertAll(client, c.events, docs, fence && { fences: c.fences, fence });
      } catch (err) {
        if (isDuplicateKey(err)) throw duplicate(name, 'a sequence or id of the batch is already in the log', err);
        throw err;
      }
    });
  }

  readEvents(log: string, from: number, limit: number): Promise<StoredEvent[]> {
    return this.#ctx.run(async ({ c }) => {
      const name = logName(log);
      checkEventRange(from, limit);
      if (limit === 0) return [];
      const docs = await c.events.find({ log: name, seq: { $gte: from } }, { readConcern: ONE_SNAPSHOT }).sort({ seq: 1 }).limit(cursorLimit(limit)).toArray();
      return docs.map((d) => eventOf(name, d));
    });
  }

  eventById(log: string, id: string): Promise<StoredEvent | null> {
    return this.#ctx.run(async ({ c }) => {
      const name = logName(log);
      const doc = await c.events.findOne({ log: name, id: checkName(id, 'event id') });
      return doc === null ? null : eventOf(name, doc);
    });
  }

  lastSequence(log: string): Promise<number> {
    return this.#ctx.run(async ({ c }) => {
      const name = logName(log);
      const last = await c.events.findOne({ log: name }, { sort: { seq: -1 }, projection: { seq: 1 } });
      if (last === null) return 0;
      if (!Number.isSafeInteger(last.seq) || last.seq < 1) throw unreadable(`the last sequence of log ${JSON.stringify(name)}`);
      return last.seq;
    });
  }

  replaceEvent(log: string, event: StoredEvent, fenceInput?: Fence): Promise<void> {
    return this.#ctx.run(async ({ client, c }) => {
      const name = logName(log);
      const { sequence, id, data } = checkEvent(event);
      const filter = { log: name, seq: sequence, id: checkName(id, 'event id') };
      const fence = checkFence(fenceInput);
      // The filter is the check: only the entry with this sequence and this id changes, and never a new one ([S22]).
      const { matchedCount } =
        fence === undefined
          ? await c.events.updateOne(filter, { $set: { data: binary(data) } })
          : await inTransaction(client, async (session) => {
              await holdFence(c.fences, fence, session);
              return c.events.updateOne(filter, { $set: { data: binary(data) } }, { session });
            });
      if (matchedCount !== 1) {
        throw new Error(`mongo store: log ${JSON.stringify(name)} has no entry ${sequence} with id ${JSON.stringify(id)}`);
      }
    });
  }

  claimFence(log: string): Promise<number> {
    return this.#ctx.run(async ({ c }) => {
      const name = logName(log);
      // One atomic update of one document: two claims never get one epoch, and it conflicts with every fenced write ([MO11]).
      const claimed = await c.fences.findOneAndUpdate({ _id: name }, { $inc: { epoch: 1 } }, { upsert: true, returnDocument: 'after' });
      const epoch = claimed?.epoch;
      if (epoch === undefined || !Number.isSafeInteger(epoch) || epoch < 1) throw unreadable(`the fence of log ${JSON.stringify(name)}`);
      return epoch;
    });
  }

  putRejection(log: string, record: StoredRecord): Promise<void> {
    return this.#upsert(log, 'rejections', record, 'rejection');
  }

  rejectionById(log: string, id: string): Promise<StoredRecord | null> {
    return this.#byId(log, 'rejections', id);
  }

  putCheckpoint(log: string, record: StoredRecord): Promise<void> {
    return this.#ctx.run(async ({ c }) => {
      const name = logName(log);
      const { id, data } = checkRecord(record, 'checkpoint');
      try {
        // Insert-only: the unique index refuses a second checkpoint of one id, from any process ([S24]).
        await c.checkpoints.insertOne({ log: name, id: checkName(id, 'checkpoint id'), data: binary(data) });
      } catch (err) {
        if (isDuplicateKey(err)) throw duplicate(name, `checkpoint ${JSON.stringify(id)} already exists`, err);
        throw err;
      }
    });
  }

  listCheckpoints(log: string): Promise<StoredRecord[]> {
    return this.#list(log, 'checkpoints');
  }

  checkpointById(log: string, id: string): Promise<StoredRecord | null> {
    return this.#byId(log, 'checkpoints', id);
  }

  putApproval(log: string, record: StoredRecord): Promise<void> {
    return this.#upsert(log, 'approvals', record, 'approval');
  }

  deleteApproval(log: string, id: string): Promise<void> {
    return this.#ctx.run(async ({ c }) => {
      await c.approvals.deleteOne({ log: logName(log), id: checkName(id, 'approval id') });
    });
  }

  listApprovals(log: string): Promise<StoredRecord[]> {
    return this.#list(log, 'approvals');
  }

  /** A put that replaces: the later of two puts of one id wins ([S23], [S29]). */
  #upsert(log: string, kind: RecordKind, record: StoredRecord, what: string): Promise<void> {
    return this.#ctx.run(async ({ c }) => {
      const name = logName(log);
      const { id, data } = checkRecord(record, what);
      await collection(c, kind).updateOne({ log: name, id: checkName(id, `${what} id`) }, { $set: { data: binary(data) } }, { upsert: true });
    });
  }

  #byId(log: string, kind: RecordKind, id: string): Promise<StoredRecord | null> {
    return this.#ctx.run(async ({ c }) => {
      const name = logName(log);
      const doc = await collection(c, kind).findOne({ log: name, id: checkName(id, 'record id') });
      return doc === null ? null : recordOf(name, doc);
    });
  }

  #list(log: string, kind: RecordKind): Promise<StoredRecord[]> {
    return this.#ctx.run(async ({ c }) => {
      const name = logName(log);
      return (await collection(c, kind).find({ log: name }).toArray()).map((d) => recordOf(name, d));
    });
  }
}

function collection(c: Record<RecordKind, Collection<LogRecordDoc>>, kind: RecordKind): Collection<LogRecordDoc> {
  return c[kind];
}

function logName(log: string): string {
  return checkName(log, 'log name');
}

function eventOf(log: string, doc: EventDoc): StoredEvent {
  const what = `entry ${String(doc.seq)} of log ${JSON.stringify(log)}`;
  if (!Number.isSafeInteger(doc.seq) || doc.seq < 1 || typeof doc.id !== 'string') throw unreadable(what);
  return { sequence: doc.seq, id: doc.id, data: bytesOf(doc.data, what) };
}

function recordOf(log: string, doc: LogRecordDoc): StoredRecord {
  if (typeof doc.id !== 'string') throw unreadable(`a record of log ${JSON.stringify(log)}`);
  return { id: doc.id, data: bytesOf(doc.data, `record ${JSON.stringify(doc.id)} of log ${JSON.stringify(log)}`) };
}

function duplicate(log: string, detail: string, cause?: unknown): DuplicateEventError {
  return new DuplicateEventError(`mongo store: log ${JSON.stringify(log)}: ${detail}; nothing was written`, { cause });
}
