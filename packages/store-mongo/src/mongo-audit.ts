/**
 * Audit logs on MongoDB ([AU1]..[AU8], [MO1]): records in `audit_log`
 * `{ log, at, pos, data }`. `pos` is the record's place among every append to
 * its log, taken from a per-log counter (`audit_counters`, one atomic `$inc`
 * per call for all of its records), so records of one call are adjacent and
 * a later append of the same `at` — from any process, after any restart —
 * reads newer ([AU3], [AU5]). A counter taken by a call that then failed is a
 * gap, never a reuse.
 */
import type { AuditQuery, AuditRecordInput, AuditStore, StoredAuditRecord } from '@dungeon-lab/store';
import { auditCursor, auditIdOf, checkAuditQuery, checkAuditRecord, checkName } from '@dungeon-lab/store/input';
import type { Filter } from 'mongodb';
import type { MongoContext } from './mongo-context.ts';
import { type AuditDoc, binary, bytesOf, cursorLimit, insertAll, unreadable } from './mongo-db.ts';

export class MongoAudit implements AuditStore {
  readonly #ctx: MongoContext;

  constructor(ctx: MongoContext) {
    this.#ctx = ctx;
  }

  appendAudit(log: string, records: readonly AuditRecordInput[]): Promise<string[]> {
    return this.#ctx.run(async ({ client, c }) => {
      const name = checkName(log, 'audit log name');
      // Checked before a position is taken or anything written ([AU7]).
      const checked = records.map(checkAuditRecord);
      if (checked.length === 0) return [];
      const counter = await c.auditCounters.findOneAndUpdate({ _id: name }, { $inc: { last: checked.length } }, { upsert: true, returnDocument: 'after' });
      const last = counter?.last;
      if (last === undefined || !Number.isSafeInteger(last)) throw unreadable(`the audit counter of ${JSON.stringify(name)}`);
      const docs = checked.map((r, i): AuditDoc => ({ log: name, at: r.at, pos: last - checked.length + 1 + i, data: binary(r.data) }));
      await insertAll(client, c.audit, docs);
      return docs.map((d) => auditIdOf({ at: d.at, position: d.pos }));
    });
  }

  readAudit(log: string, query: AuditQuery): Promise<StoredAuditRecord[]> {
    return this.#ctx.run(async ({ c }) => {
      const name = checkName(log, 'audit log name');
      const { limit, before } = checkAuditQuery(query);
      const below = auditCursor(before);
      if (limit === 0) return [];
      const filter: Filter<AuditDoc> =
        below === undefined ? { log: name } : { log: name, $or: [{ at: { $lt: below.at } }, { at: below.at, pos: { $lt: below.position } }] };
      const docs = await c.audit.find(filter).sort({ at: -1, pos: -1 }).limit(cursorLimit(limit)).toArray();
      return docs.map((d) => {
        const what = `an audit record of ${JSON.stringify(name)}`;
        if (!Number.isSafeInteger(d.at) || !Number.isSafeInteger(d.pos)) throw unreadable(what);
        return { id: auditIdOf({ at: d.at, position: d.pos }), at: d.at, data: bytesOf(d.data, what) };
      });
    });
  }
}
